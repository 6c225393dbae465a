-- Staffing (workforce-management) KPIs per 15-minute interval × department × channel, by arrival
-- in the queue (docs/metrics.md "Interval KPIs, short abandons and service-level variants").
-- Reads the stored rows every load keeps in step (core.interval_kpis_summary). Only counts and
-- sums are stored, so every ratio here is a ratio of sums, and 30- or 60-minute figures are sums
-- of these rows.
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's rows (README "Tenants").
CREATE VIEW reporting.interval_kpis WITH (security_invoker = true) AS
SELECT
  i.tenant,
  i.interval_start,
  i.interval_start + interval '15 minutes'                                           AS interval_end,
  i.interval_day,
  (i.interval_start AT TIME ZONE st.report_tz)::time                                 AS interval_time,
  i.department_id,
  i.channel,
  i.offered,
  i.answered,
  i.abandoned,
  i.short_abandoned,
  i.answered_within_sl,
  core.kpi_ratio(i.answered_within_sl, i.answered + i.abandoned)                     AS service_level,
  i.answered + i.abandoned                                                           AS service_level_denominator,
  core.kpi_ratio(i.answered_within_sl, i.answered + i.abandoned - i.short_abandoned) AS service_level_net,
  i.answered + i.abandoned - i.short_abandoned                                       AS service_level_net_denominator,
  core.kpi_ratio(i.answered_within_sl, i.offered)                                    AS service_level_offered,
  core.kpi_ratio(i.answered_within_sl, i.answered)                                   AS service_level_answered,
  core.kpi_ratio(i.abandoned - i.short_abandoned, i.offered - i.short_abandoned)     AS abandon_rate,
  i.abandoned - i.short_abandoned                                                    AS abandon_rate_numerator,
  i.offered - i.short_abandoned                                                      AS abandon_rate_denominator,
  i.service_level_seconds,
  i.short_abandon_seconds,
  core.kpi_avg_s(i.sum_answer_s, i.count_answer_s)                                   AS avg_answer_s,
  i.count_answer_s,
  i.sum_answer_s,
  core.kpi_avg_s(i.sum_handle_s, i.count_handle_s)                                   AS avg_handle_s,
  i.count_handle_s,
  i.sum_handle_s,
  core.kpi_avg_s(i.sum_abandon_wait_s, i.count_abandon_wait_s)                       AS avg_abandon_wait_s,
  i.count_abandon_wait_s,
  i.sum_abandon_wait_s
FROM core.interval_kpis_summary i
JOIN etl.settings st ON st.tenant = i.tenant;

COMMENT ON VIEW reporting.interval_kpis IS
  'Staffing KPIs per 15-minute interval (reporting time zone) × department × channel, by arrival: a session counts for the interval in which it entered the queue (its first routing request), whatever day it was created (docs/metrics.md "Interval KPIs", K-INTERVAL). Sessions never offered have no interval; intervals without arrivals have no row. Every ratio has its numerator and denominator in the same row: for 30- or 60-minute, daily or per-weekday figures add those up and divide (ratio of sums). Ratios have 4 decimals, durations are seconds with 3.';
COMMENT ON COLUMN reporting.interval_kpis.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s rows.';
COMMENT ON COLUMN reporting.interval_kpis.interval_start IS 'Start of the 15-minute interval, an instant (shown in the reporting time zone to the reader role). On the night clocks go back, the repeated hour gives two distinct intervals with the same interval_time (K-INTERVAL).';
COMMENT ON COLUMN reporting.interval_kpis.interval_end IS 'End of the interval (exclusive): interval_start + 15 minutes.';
COMMENT ON COLUMN reporting.interval_kpis.interval_day IS 'Calendar day of interval_start in the reporting time zone (a day of arrivals; may differ from the created day of daily_kpis for sessions created just before midnight).';
COMMENT ON COLUMN reporting.interval_kpis.interval_time IS 'Local clock time of interval_start in the reporting time zone (00:00, 00:15 … 23:45): group by it for a typical day''s profile.';
COMMENT ON COLUMN reporting.interval_kpis.department_id IS 'Department (mluvii department id); NULL for sessions without one.';
COMMENT ON COLUMN reporting.interval_kpis.channel IS 'Channel: Chat, AV (audio/video) or Phone; NULL when unknown.';
COMMENT ON COLUMN reporting.interval_kpis.offered IS 'Sessions that entered the queue in the interval (K-OFFERED).';
COMMENT ON COLUMN reporting.interval_kpis.answered IS 'Of those, sessions an operator accepted, whenever that was (K-ANSWERED).';
COMMENT ON COLUMN reporting.interval_kpis.abandoned IS 'Of those, complete sessions no operator ever accepted (K-ABANDONED). Includes short_abandoned.';
COMMENT ON COLUMN reporting.interval_kpis.short_abandoned IS 'Abandoned sessions whose guest left within less than short_abandon_seconds of entering the queue (K-SHORT-ABANDON); 0 when SHORT_ABANDON_SECONDS is 0.';
COMMENT ON COLUMN reporting.interval_kpis.answered_within_sl IS 'Answered sessions with speed of answer at most service_level_seconds: the numerator of every service-level variant (K-SL).';
COMMENT ON COLUMN reporting.interval_kpis.service_level IS 'Service level, 0–1: answered_within_sl / service_level_denominator; NULL when that is 0 (K-SL).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_denominator IS 'answered + abandoned: the denominator of service_level (K-SL).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_net IS 'Service level not counting short abandons, 0–1: answered_within_sl / service_level_net_denominator (K-SL-NET).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_net_denominator IS 'answered + abandoned − short_abandoned: the denominator of service_level_net (K-SL-NET).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_offered IS 'Service level over all offered sessions, 0–1: answered_within_sl / offered (K-SL-OFFERED).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_answered IS 'Share of answered sessions answered in time, 0–1: answered_within_sl / answered (K-SL-ANSWERED).';
COMMENT ON COLUMN reporting.interval_kpis.abandon_rate IS 'Abandon rate not counting short abandons, 0–1: abandon_rate_numerator / abandon_rate_denominator (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.interval_kpis.abandon_rate_numerator IS 'abandoned − short_abandoned: the numerator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.interval_kpis.abandon_rate_denominator IS 'offered − short_abandoned: the denominator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.interval_kpis.service_level_seconds IS 'The service-level threshold in seconds these numbers use (SERVICE_LEVEL_SECONDS, see report_settings).';
COMMENT ON COLUMN reporting.interval_kpis.short_abandon_seconds IS 'The short-abandon threshold in seconds these numbers use (SHORT_ABANDON_SECONDS, see report_settings; 0 = off).';
COMMENT ON COLUMN reporting.interval_kpis.avg_answer_s IS 'Average speed of answer of the interval''s arrivals, seconds (K-ANSWER): sum_answer_s / count_answer_s.';
COMMENT ON COLUMN reporting.interval_kpis.count_answer_s IS 'Number of the interval''s arrivals with a known speed of answer (denominator of avg_answer_s).';
COMMENT ON COLUMN reporting.interval_kpis.sum_answer_s IS 'Total speed-of-answer seconds of the interval''s arrivals (numerator of avg_answer_s).';
COMMENT ON COLUMN reporting.interval_kpis.avg_handle_s IS 'Average handle time (active + after-call work) of the interval''s arrivals, seconds (K-HANDLE): sum_handle_s / count_handle_s.';
COMMENT ON COLUMN reporting.interval_kpis.count_handle_s IS 'Number of the interval''s arrivals with a known handle time (denominator of avg_handle_s).';
COMMENT ON COLUMN reporting.interval_kpis.sum_handle_s IS 'Total handle-time seconds of the interval''s arrivals (numerator of avg_handle_s): the workload they brought, for staffing.';
COMMENT ON COLUMN reporting.interval_kpis.avg_abandon_wait_s IS 'Average seconds abandoned guests of the interval waited before giving up (K-ABANDON-WAIT): sum_abandon_wait_s / count_abandon_wait_s.';
COMMENT ON COLUMN reporting.interval_kpis.count_abandon_wait_s IS 'Number of abandoned arrivals with a known abandon wait (denominator of avg_abandon_wait_s).';
COMMENT ON COLUMN reporting.interval_kpis.sum_abandon_wait_s IS 'Total seconds abandoned arrivals waited (numerator of avg_abandon_wait_s).';

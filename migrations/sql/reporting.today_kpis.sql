-- Today so far, one row per tenant (docs/metrics.md "Daily KPIs" and "Interval KPIs"): the KPIs
-- of the tenant's current REPORT_TZ day and of its current 15-minute interval, with how fresh
-- the rows are (core.loaded_through). Read from the stored rows every load keeps in step, the
-- webhook hints' loads included, so a dashboard that refreshes every minute shows what the
-- warehouse holds within a minute of mluvii's events. A tenant with nothing yet today has its
-- row, with zeros. "Now" is core.report_now() (the transaction's start, or mluvii.as_of).
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's row (README "Tenants").
CREATE VIEW reporting.today_kpis WITH (security_invoker = true) AS
SELECT
  st.tenant,
  core.report_day(n.as_of, st.report_tz)                                             AS day,
  n.as_of,
  lt.loaded_through,
  lt.windows_loaded_through,
  lt.hints_loaded_through,
  d.sessions,
  d.offered,
  d.answered,
  d.abandoned,
  d.short_abandoned,
  d.answered_within_sl,
  core.kpi_ratio(d.answered_within_sl, d.answered + d.abandoned)                     AS service_level,
  d.answered + d.abandoned                                                           AS service_level_denominator,
  core.kpi_ratio(d.answered_within_sl, d.answered + d.abandoned - d.short_abandoned) AS service_level_net,
  d.answered + d.abandoned - d.short_abandoned                                       AS service_level_net_denominator,
  core.kpi_ratio(d.abandoned - d.short_abandoned, d.offered - d.short_abandoned)     AS abandon_rate,
  d.abandoned - d.short_abandoned                                                    AS abandon_rate_numerator,
  d.offered - d.short_abandoned                                                      AS abandon_rate_denominator,
  st.service_level_seconds,
  st.short_abandon_seconds,
  core.kpi_avg_s(d.sum_answer_s, d.count_answer_s)                                   AS avg_answer_s,
  d.count_answer_s,
  d.sum_answer_s,
  core.kpi_avg_s(d.sum_handle_s, d.count_handle_s)                                   AS avg_handle_s,
  d.count_handle_s,
  d.sum_handle_s,
  core.kpi_avg_s(d.sum_abandon_wait_s, d.count_abandon_wait_s)                       AS avg_abandon_wait_s,
  d.count_abandon_wait_s,
  d.sum_abandon_wait_s,
  core.report_interval_start(n.as_of, st.report_tz)                                  AS current_interval_start,
  i.offered                                                                          AS current_interval_offered,
  i.answered                                                                         AS current_interval_answered,
  i.abandoned                                                                        AS current_interval_abandoned,
  i.answered_within_sl                                                               AS current_interval_answered_within_sl,
  core.kpi_ratio(i.answered_within_sl, i.answered + i.abandoned)                     AS current_interval_service_level
FROM etl.settings st
CROSS JOIN LATERAL (SELECT core.report_now() AS as_of) n
JOIN core.loaded_through lt ON lt.tenant = st.tenant
CROSS JOIN LATERAL (
  SELECT
    coalesce(sum(k.sessions), 0)::bigint             AS sessions,
    coalesce(sum(k.offered), 0)::bigint              AS offered,
    coalesce(sum(k.answered), 0)::bigint             AS answered,
    coalesce(sum(k.abandoned), 0)::bigint            AS abandoned,
    coalesce(sum(k.short_abandoned), 0)::bigint      AS short_abandoned,
    coalesce(sum(k.answered_within_sl), 0)::bigint   AS answered_within_sl,
    coalesce(sum(k.count_answer_s), 0)::bigint       AS count_answer_s,
    sum(k.sum_answer_s)                              AS sum_answer_s,
    coalesce(sum(k.count_handle_s), 0)::bigint       AS count_handle_s,
    sum(k.sum_handle_s)                              AS sum_handle_s,
    coalesce(sum(k.count_abandon_wait_s), 0)::bigint AS count_abandon_wait_s,
    sum(k.sum_abandon_wait_s)                        AS sum_abandon_wait_s
  FROM core.period_kpis_summary k
  WHERE k.tenant = st.tenant AND k.grain = 'day' AND k.period_start = core.report_day(n.as_of, st.report_tz)
) d
CROSS JOIN LATERAL (
  SELECT
    coalesce(sum(x.offered), 0)::bigint            AS offered,
    coalesce(sum(x.answered), 0)::bigint           AS answered,
    coalesce(sum(x.abandoned), 0)::bigint          AS abandoned,
    coalesce(sum(x.answered_within_sl), 0)::bigint AS answered_within_sl
  FROM core.interval_kpis_summary x
  WHERE x.tenant = st.tenant AND x.interval_start = core.report_interval_start(n.as_of, st.report_tz)
) i;

COMMENT ON VIEW reporting.today_kpis IS
  'Today so far: one row per tenant with the KPIs of its current day in the reporting time zone (all departments and channels together; a session counts for the day it was created, as in daily_kpis) and of its current 15-minute interval (by arrival in the queue, as in interval_kpis), by the K-rules of docs/metrics.md, with how fresh the rows are (loaded_through). The webhook hints keep it within about a minute of mluvii; the nightly load makes the day exact. For a breakdown by department or channel read daily_kpis and interval_kpis for the same day and interval. "Now" is the start of the current transaction, or the instant the session set in mluvii.as_of (SET mluvii.as_of = ''2026-11-18 10:00+01'').';
COMMENT ON COLUMN reporting.today_kpis.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s row.';
COMMENT ON COLUMN reporting.today_kpis.day IS 'Today: the calendar day of as_of in the tenant''s reporting time zone (REPORT_TZ, see report_settings).';
COMMENT ON COLUMN reporting.today_kpis.as_of IS 'The instant the row was computed for: the start of the current transaction, or mluvii.as_of when the session set it.';
COMMENT ON COLUMN reporting.today_kpis.loaded_through IS 'How fresh the figures are: the later of windows_loaded_through and hints_loaded_through (NULL before the first load). Sessions whose events arrived after it, or whose webhook was lost, are not in the figures yet: the next hint or the nightly load adds them.';
COMMENT ON COLUMN reporting.today_kpis.windows_loaded_through IS 'End of the latest window the ETL listed completely (every session created before it was loaded, as it stood then); NULL before the first window.';
COMMENT ON COLUMN reporting.today_kpis.hints_loaded_through IS 'When a worker last read sessions that mluvii''s webhooks named (`serve` queues them): those sessions are loaded as they stood then; NULL when no hint was loaded yet.';
COMMENT ON COLUMN reporting.today_kpis.sessions IS 'All sessions created today so far, offered or not (outbound and direct sessions included).';
COMMENT ON COLUMN reporting.today_kpis.offered IS 'Sessions created today that were offered to operators: they had a routing request (K-OFFERED).';
COMMENT ON COLUMN reporting.today_kpis.answered IS 'Offered sessions of today that an operator accepted (K-ANSWERED).';
COMMENT ON COLUMN reporting.today_kpis.abandoned IS 'Offered sessions of today that are complete and that no operator ever accepted (K-ABANDONED). Includes short_abandoned. A session still waiting is neither answered nor abandoned yet.';
COMMENT ON COLUMN reporting.today_kpis.short_abandoned IS 'Abandoned sessions whose guest left within less than short_abandon_seconds of entering the queue (K-SHORT-ABANDON); 0 when SHORT_ABANDON_SECONDS is 0.';
COMMENT ON COLUMN reporting.today_kpis.answered_within_sl IS 'Answered sessions of today whose speed of answer was at most service_level_seconds (K-SL numerator).';
COMMENT ON COLUMN reporting.today_kpis.service_level IS 'Service level so far today, 0–1: answered_within_sl / service_level_denominator; NULL when that is 0 (K-SL).';
COMMENT ON COLUMN reporting.today_kpis.service_level_denominator IS 'answered + abandoned: the denominator of service_level (K-SL).';
COMMENT ON COLUMN reporting.today_kpis.service_level_net IS 'Service level not counting short abandons, 0–1: answered_within_sl / service_level_net_denominator (K-SL-NET).';
COMMENT ON COLUMN reporting.today_kpis.service_level_net_denominator IS 'answered + abandoned − short_abandoned: the denominator of service_level_net (K-SL-NET).';
COMMENT ON COLUMN reporting.today_kpis.abandon_rate IS 'Abandon rate not counting short abandons, 0–1: abandon_rate_numerator / abandon_rate_denominator (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.today_kpis.abandon_rate_numerator IS 'abandoned − short_abandoned: the numerator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.today_kpis.abandon_rate_denominator IS 'offered − short_abandoned: the denominator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.today_kpis.service_level_seconds IS 'The service-level threshold in seconds these numbers use (SERVICE_LEVEL_SECONDS, see report_settings).';
COMMENT ON COLUMN reporting.today_kpis.short_abandon_seconds IS 'The short-abandon threshold in seconds these numbers use (SHORT_ABANDON_SECONDS, see report_settings; 0 = off).';
COMMENT ON COLUMN reporting.today_kpis.avg_answer_s IS 'Average speed of answer so far today, seconds (K-ANSWER): sum_answer_s / count_answer_s.';
COMMENT ON COLUMN reporting.today_kpis.count_answer_s IS 'Number of today''s sessions with a known speed of answer (denominator of avg_answer_s).';
COMMENT ON COLUMN reporting.today_kpis.sum_answer_s IS 'Total speed-of-answer seconds of today''s sessions (numerator of avg_answer_s).';
COMMENT ON COLUMN reporting.today_kpis.avg_handle_s IS 'Average handle time (active + after-call work) so far today, seconds (K-HANDLE): sum_handle_s / count_handle_s.';
COMMENT ON COLUMN reporting.today_kpis.count_handle_s IS 'Number of today''s sessions with a known handle time (denominator of avg_handle_s).';
COMMENT ON COLUMN reporting.today_kpis.sum_handle_s IS 'Total handle-time seconds of today''s sessions (numerator of avg_handle_s).';
COMMENT ON COLUMN reporting.today_kpis.avg_abandon_wait_s IS 'Average seconds abandoned guests waited today before giving up (K-ABANDON-WAIT): sum_abandon_wait_s / count_abandon_wait_s.';
COMMENT ON COLUMN reporting.today_kpis.count_abandon_wait_s IS 'Number of today''s abandoned sessions with a known abandon wait (denominator of avg_abandon_wait_s).';
COMMENT ON COLUMN reporting.today_kpis.sum_abandon_wait_s IS 'Total seconds today''s abandoned guests waited (numerator of avg_abandon_wait_s).';
COMMENT ON COLUMN reporting.today_kpis.current_interval_start IS 'Start of the 15-minute interval of the reporting time zone that holds as_of (K-INTERVAL): the interval_start of its rows in interval_kpis.';
COMMENT ON COLUMN reporting.today_kpis.current_interval_offered IS 'Sessions that entered the queue in the current interval so far (K-OFFERED, by arrival as in interval_kpis).';
COMMENT ON COLUMN reporting.today_kpis.current_interval_answered IS 'Of those, sessions an operator accepted so far (K-ANSWERED).';
COMMENT ON COLUMN reporting.today_kpis.current_interval_abandoned IS 'Of those, complete sessions no operator accepted (K-ABANDONED).';
COMMENT ON COLUMN reporting.today_kpis.current_interval_answered_within_sl IS 'Of those, sessions answered within service_level_seconds (K-SL numerator).';
COMMENT ON COLUMN reporting.today_kpis.current_interval_service_level IS 'Service level of the current interval so far, 0–1: current_interval_answered_within_sl / (current_interval_answered + current_interval_abandoned); NULL when that is 0 (K-SL).';

-- Contact-center KPIs per REPORT_TZ day × department × channel (docs/metrics.md "Daily KPIs"
-- and "Interval KPIs, short abandons and service-level variants"), from the stored rows that
-- every load refreshes. weekly_kpis and monthly_kpis have the same columns (core.period_kpis).
CREATE VIEW reporting.daily_kpis AS
SELECT
  k.period_start AS day,
  k.department_id,
  k.channel,
  k.sessions,
  k.offered,
  k.answered,
  k.abandoned,
  k.short_abandoned,
  k.answered_within_sl,
  k.service_level,
  k.service_level_denominator,
  k.service_level_net,
  k.service_level_net_denominator,
  k.service_level_offered,
  k.service_level_answered,
  k.abandon_rate,
  k.abandon_rate_numerator,
  k.abandon_rate_denominator,
  k.service_level_seconds,
  k.short_abandon_seconds,
  k.avg_in_queue_s,
  k.p50_in_queue_s,
  k.p90_in_queue_s,
  k.avg_waiting_s,
  k.p50_waiting_s,
  k.p90_waiting_s,
  k.avg_answer_s,
  k.p50_answer_s,
  k.p90_answer_s,
  k.avg_active_s,
  k.p50_active_s,
  k.p90_active_s,
  k.avg_acw_s,
  k.p50_acw_s,
  k.p90_acw_s,
  k.avg_handle_s,
  k.p50_handle_s,
  k.p90_handle_s,
  k.avg_abandon_wait_s,
  k.count_in_queue_s,
  k.sum_in_queue_s,
  k.count_waiting_s,
  k.sum_waiting_s,
  k.count_answer_s,
  k.sum_answer_s,
  k.count_active_s,
  k.sum_active_s,
  k.count_acw_s,
  k.sum_acw_s,
  k.count_handle_s,
  k.sum_handle_s,
  k.count_abandon_wait_s,
  k.sum_abandon_wait_s
FROM core.period_kpis k
WHERE k.grain = 'day';

COMMENT ON VIEW reporting.daily_kpis IS
  'Contact-center KPIs per day (in the reporting time zone) × department × channel, by the K-rules of docs/metrics.md. A session counts for the day of its created_at. Every ratio has its numerator and denominator in the same row: to roll up over several rows add those and divide (ratio of sums), e.g. sum(answered_within_sl) / sum(service_level_denominator), and sum(sum_x) / sum(count_x) for averages; never average a ratio column. Percentiles cannot be rolled up: use weekly_kpis or monthly_kpis. Ratios have 4 decimals, durations are seconds with 3.';
COMMENT ON COLUMN reporting.daily_kpis.day IS 'Calendar day in the reporting time zone (REPORT_TZ, see report_settings); a session counts for the day it was created.';
COMMENT ON COLUMN reporting.daily_kpis.department_id IS 'Department (mluvii department id); NULL for sessions without one.';
COMMENT ON COLUMN reporting.daily_kpis.channel IS 'Channel: Chat, AV (audio/video) or Phone; NULL when unknown.';
COMMENT ON COLUMN reporting.daily_kpis.sessions IS 'All sessions created in the period, offered or not (outbound and direct sessions included).';
COMMENT ON COLUMN reporting.daily_kpis.offered IS 'Sessions offered to operators: they had a routing request (K-OFFERED).';
COMMENT ON COLUMN reporting.daily_kpis.answered IS 'Offered sessions that an operator accepted (K-ANSWERED).';
COMMENT ON COLUMN reporting.daily_kpis.abandoned IS 'Offered sessions that are complete and that no operator ever accepted: the guest gave up in queue (K-ABANDONED). Includes short_abandoned.';
COMMENT ON COLUMN reporting.daily_kpis.short_abandoned IS 'Abandoned sessions whose guest left within less than short_abandon_seconds of entering the queue (K-SHORT-ABANDON); 0 when SHORT_ABANDON_SECONDS is 0.';
COMMENT ON COLUMN reporting.daily_kpis.answered_within_sl IS 'Answered sessions whose speed of answer (answer_s) was at most service_level_seconds: the numerator of every service-level variant (K-SL).';
COMMENT ON COLUMN reporting.daily_kpis.service_level IS 'Service level, 0–1 (4 decimals): answered_within_sl / service_level_denominator; NULL when that is 0 (K-SL). Over several rows: sum(answered_within_sl) / sum(service_level_denominator), never the average of this column.';
COMMENT ON COLUMN reporting.daily_kpis.service_level_denominator IS 'answered + abandoned: the denominator of service_level (K-SL).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_net IS 'Service level not counting short abandons, 0–1: answered_within_sl / service_level_net_denominator (K-SL-NET). Over several rows: sum(answered_within_sl) / sum(service_level_net_denominator).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_net_denominator IS 'answered + abandoned − short_abandoned: the denominator of service_level_net (K-SL-NET).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_offered IS 'Service level over all offered sessions, 0–1: answered_within_sl / offered (K-SL-OFFERED). Over several rows: sum(answered_within_sl) / sum(offered).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_answered IS 'Share of answered sessions answered in time, 0–1: answered_within_sl / answered (K-SL-ANSWERED). Over several rows: sum(answered_within_sl) / sum(answered).';
COMMENT ON COLUMN reporting.daily_kpis.abandon_rate IS 'Abandon rate not counting short abandons, 0–1: abandon_rate_numerator / abandon_rate_denominator (K-ABANDON-RATE). Over several rows: sum(abandon_rate_numerator) / sum(abandon_rate_denominator).';
COMMENT ON COLUMN reporting.daily_kpis.abandon_rate_numerator IS 'abandoned − short_abandoned: the numerator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.daily_kpis.abandon_rate_denominator IS 'offered − short_abandoned: the denominator of abandon_rate (K-ABANDON-RATE).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_seconds IS 'The service-level threshold in seconds these numbers use (SERVICE_LEVEL_SECONDS, see report_settings).';
COMMENT ON COLUMN reporting.daily_kpis.short_abandon_seconds IS 'The short-abandon threshold in seconds these numbers use (SHORT_ABANDON_SECONDS, see report_settings; 0 = off).';
COMMENT ON COLUMN reporting.daily_kpis.avg_in_queue_s IS 'Average seconds in queue (IN_QUEUE state, M-IN_QUEUE), over sessions where it is known: sum_in_queue_s / count_in_queue_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_in_queue_s IS 'Median seconds in queue (percentile_cont 0.5 over the period''s sessions).';
COMMENT ON COLUMN reporting.daily_kpis.p90_in_queue_s IS '90th percentile of seconds in queue (percentile_cont 0.9): 9 in 10 guests waited at most this long.';
COMMENT ON COLUMN reporting.daily_kpis.avg_waiting_s IS 'Average seconds from assignment to an operator until acceptance (WAITING state, M-WAITING): sum_waiting_s / count_waiting_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_waiting_s IS 'Median of the WAITING state, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_waiting_s IS '90th percentile of the WAITING state, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_answer_s IS 'Average speed of answer: seconds from the first routing request to the first acceptance (K-ANSWER): sum_answer_s / count_answer_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_answer_s IS 'Median speed of answer, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_answer_s IS '90th percentile of speed of answer, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_active_s IS 'Average conversation length (ACTIVE state, M-ACTIVE), seconds: sum_active_s / count_active_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_active_s IS 'Median conversation length, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_active_s IS '90th percentile of conversation length, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_acw_s IS 'Average after-call work (ACW state, M-ACW), seconds: sum_acw_s / count_acw_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_acw_s IS 'Median after-call work, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_acw_s IS '90th percentile of after-call work, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_handle_s IS 'Average handle time (active + after-call work, sessions where both are known), seconds (K-HANDLE): sum_handle_s / count_handle_s.';
COMMENT ON COLUMN reporting.daily_kpis.p50_handle_s IS 'Median handle time, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_handle_s IS '90th percentile of handle time, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_abandon_wait_s IS 'Average seconds abandoned guests waited before giving up (K-ABANDON-WAIT): sum_abandon_wait_s / count_abandon_wait_s.';
COMMENT ON COLUMN reporting.daily_kpis.count_in_queue_s IS 'Number of sessions with a known in-queue time (the denominator of avg_in_queue_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_in_queue_s IS 'Total seconds in queue (numerator of avg_in_queue_s); over several rows average as sum(sum_in_queue_s) / sum(count_in_queue_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_waiting_s IS 'Number of sessions with a known WAITING time (denominator of avg_waiting_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_waiting_s IS 'Total seconds in the WAITING state (numerator of avg_waiting_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_answer_s IS 'Number of sessions with a known speed of answer (denominator of avg_answer_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_answer_s IS 'Total speed-of-answer seconds (numerator of avg_answer_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_active_s IS 'Number of sessions with a known conversation length (denominator of avg_active_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_active_s IS 'Total conversation seconds (numerator of avg_active_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_acw_s IS 'Number of sessions with a known after-call work time (denominator of avg_acw_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_acw_s IS 'Total after-call work seconds (numerator of avg_acw_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_handle_s IS 'Number of sessions with a known handle time (denominator of avg_handle_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_handle_s IS 'Total handle-time seconds (numerator of avg_handle_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_abandon_wait_s IS 'Number of abandoned sessions with a known abandon wait (denominator of avg_abandon_wait_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_abandon_wait_s IS 'Total seconds abandoned guests waited (numerator of avg_abandon_wait_s).';

CREATE VIEW reporting.daily_kpis AS
SELECT
  k.day,
  k.department_id,
  k.channel,
  k.sessions,
  k.offered,
  k.answered,
  k.abandoned,
  k.answered_within_sl,
  round(k.answered_within_sl::numeric / nullif(k.answered + k.abandoned, 0), 4) AS service_level,
  k.service_level_seconds,
  round(k.sum_in_queue_s / nullif(k.count_in_queue_s, 0), 3) AS avg_in_queue_s,
  k.p50_in_queue_s,
  k.p90_in_queue_s,
  round(k.sum_waiting_s / nullif(k.count_waiting_s, 0), 3)   AS avg_waiting_s,
  k.p50_waiting_s,
  k.p90_waiting_s,
  round(k.sum_answer_s / nullif(k.count_answer_s, 0), 3)     AS avg_answer_s,
  k.p50_answer_s,
  k.p90_answer_s,
  round(k.sum_active_s / nullif(k.count_active_s, 0), 3)     AS avg_active_s,
  k.p50_active_s,
  k.p90_active_s,
  round(k.sum_acw_s / nullif(k.count_acw_s, 0), 3)           AS avg_acw_s,
  k.p50_acw_s,
  k.p90_acw_s,
  round(k.sum_handle_s / nullif(k.count_handle_s, 0), 3)     AS avg_handle_s,
  k.p50_handle_s,
  k.p90_handle_s,
  k.count_in_queue_s, k.sum_in_queue_s,
  k.count_waiting_s,  k.sum_waiting_s,
  k.count_answer_s,   k.sum_answer_s,
  k.count_active_s,   k.sum_active_s,
  k.count_acw_s,      k.sum_acw_s,
  k.count_handle_s,   k.sum_handle_s
FROM core.daily_kpis_summary k;

COMMENT ON VIEW reporting.daily_kpis IS 'Contact-center KPIs per day (in the reporting time zone) × department × channel, by the K-rules of docs/metrics.md. A session counts for the day of its created_at. Averages and percentiles ignore NULLs; percentiles are percentile_cont (linearly interpolated). To roll up over several rows, add the counts and use sum(sum_x)/sum(count_x) for averages and sum(answered_within_sl)/sum(answered + abandoned) for service level; percentiles cannot be rolled up.';
COMMENT ON COLUMN reporting.daily_kpis.day IS 'Calendar day in the reporting time zone (REPORT_TZ, see report_settings); a session counts for the day it was created.';
COMMENT ON COLUMN reporting.daily_kpis.department_id IS 'Department (mluvii department id); NULL for sessions without one.';
COMMENT ON COLUMN reporting.daily_kpis.channel IS 'Channel: Chat, AV (audio/video) or Phone; NULL when unknown.';
COMMENT ON COLUMN reporting.daily_kpis.sessions IS 'All sessions created that day, offered or not (outbound and direct sessions included).';
COMMENT ON COLUMN reporting.daily_kpis.offered IS 'Sessions offered to operators: they had a routing request (K-OFFERED).';
COMMENT ON COLUMN reporting.daily_kpis.answered IS 'Offered sessions that an operator accepted (K-ANSWERED).';
COMMENT ON COLUMN reporting.daily_kpis.abandoned IS 'Offered sessions that are complete and that no operator ever accepted: the guest gave up in queue (K-ABANDONED).';
COMMENT ON COLUMN reporting.daily_kpis.answered_within_sl IS 'Answered sessions whose speed of answer (answer_s) was at most service_level_seconds (K-SL numerator).';
COMMENT ON COLUMN reporting.daily_kpis.service_level IS 'Service level as a fraction 0–1 (4 decimals): answered_within_sl / (answered + abandoned); NULL when both are 0 (K-SL).';
COMMENT ON COLUMN reporting.daily_kpis.service_level_seconds IS 'The service-level threshold in seconds these numbers use (SERVICE_LEVEL_SECONDS).';
COMMENT ON COLUMN reporting.daily_kpis.avg_in_queue_s IS 'Average seconds in queue (IN_QUEUE state), over sessions where it is known.';
COMMENT ON COLUMN reporting.daily_kpis.p50_in_queue_s IS 'Median seconds in queue (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_in_queue_s IS '90th percentile of seconds in queue (percentile_cont 0.9): 9 in 10 guests waited at most this long.';
COMMENT ON COLUMN reporting.daily_kpis.avg_waiting_s IS 'Average seconds from assignment to an operator until acceptance (WAITING state).';
COMMENT ON COLUMN reporting.daily_kpis.p50_waiting_s IS 'Median of the WAITING state, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_waiting_s IS '90th percentile of the WAITING state, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_answer_s IS 'Average speed of answer: seconds from the first routing request to the first acceptance (K-ANSWER).';
COMMENT ON COLUMN reporting.daily_kpis.p50_answer_s IS 'Median speed of answer, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_answer_s IS '90th percentile of speed of answer, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_active_s IS 'Average conversation length (ACTIVE state), seconds.';
COMMENT ON COLUMN reporting.daily_kpis.p50_active_s IS 'Median conversation length, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_active_s IS '90th percentile of conversation length, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_acw_s IS 'Average after-call work (ACW state), seconds.';
COMMENT ON COLUMN reporting.daily_kpis.p50_acw_s IS 'Median after-call work, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_acw_s IS '90th percentile of after-call work, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.avg_handle_s IS 'Average handle time (active + after-call work, sessions where both are known), seconds (K-HANDLE).';
COMMENT ON COLUMN reporting.daily_kpis.p50_handle_s IS 'Median handle time, seconds (percentile_cont 0.5).';
COMMENT ON COLUMN reporting.daily_kpis.p90_handle_s IS '90th percentile of handle time, seconds (percentile_cont 0.9).';
COMMENT ON COLUMN reporting.daily_kpis.count_in_queue_s IS 'Number of sessions with a known in-queue time (the denominator of avg_in_queue_s).';
COMMENT ON COLUMN reporting.daily_kpis.sum_in_queue_s IS 'Total seconds in queue, for averages over several rows: sum(sum_in_queue_s) / sum(count_in_queue_s).';
COMMENT ON COLUMN reporting.daily_kpis.count_waiting_s IS 'Number of sessions with a known WAITING time.';
COMMENT ON COLUMN reporting.daily_kpis.sum_waiting_s IS 'Total seconds in the WAITING state.';
COMMENT ON COLUMN reporting.daily_kpis.count_answer_s IS 'Number of sessions with a known speed of answer.';
COMMENT ON COLUMN reporting.daily_kpis.sum_answer_s IS 'Total speed-of-answer seconds.';
COMMENT ON COLUMN reporting.daily_kpis.count_active_s IS 'Number of sessions with a known conversation length.';
COMMENT ON COLUMN reporting.daily_kpis.sum_active_s IS 'Total conversation seconds.';
COMMENT ON COLUMN reporting.daily_kpis.count_acw_s IS 'Number of sessions with a known after-call work time.';
COMMENT ON COLUMN reporting.daily_kpis.sum_acw_s IS 'Total after-call work seconds.';
COMMENT ON COLUMN reporting.daily_kpis.count_handle_s IS 'Number of sessions with a known handle time.';
COMMENT ON COLUMN reporting.daily_kpis.sum_handle_s IS 'Total handle-time seconds.';

-- The stored day, week and month rows (core.period_kpis_summary) with their ratios and averages
-- worked out. reporting.daily_kpis, weekly_kpis and monthly_kpis each show one grain of it, so
-- the three carry the same columns computed the same way (docs/metrics.md K-rules).
CREATE VIEW core.period_kpis AS
SELECT
  k.grain,
  k.period_start,
  k.department_id,
  k.channel,
  k.sessions,
  k.offered,
  k.answered,
  k.abandoned,
  k.short_abandoned,
  k.answered_within_sl,
  -- K-SL: answered within ÷ (answered + abandoned)
  core.kpi_ratio(k.answered_within_sl, k.answered + k.abandoned)                     AS service_level,
  k.answered + k.abandoned                                                           AS service_level_denominator,
  -- K-SL-NET: answered within ÷ (answered + abandoned − short abandoned)
  core.kpi_ratio(k.answered_within_sl, k.answered + k.abandoned - k.short_abandoned) AS service_level_net,
  k.answered + k.abandoned - k.short_abandoned                                       AS service_level_net_denominator,
  -- K-SL-OFFERED: answered within ÷ offered; K-SL-ANSWERED: answered within ÷ answered
  core.kpi_ratio(k.answered_within_sl, k.offered)                                    AS service_level_offered,
  core.kpi_ratio(k.answered_within_sl, k.answered)                                   AS service_level_answered,
  -- K-ABANDON-RATE: (abandoned − short abandoned) ÷ (offered − short abandoned)
  core.kpi_ratio(k.abandoned - k.short_abandoned, k.offered - k.short_abandoned)     AS abandon_rate,
  k.abandoned - k.short_abandoned                                                    AS abandon_rate_numerator,
  k.offered - k.short_abandoned                                                      AS abandon_rate_denominator,
  k.service_level_seconds,
  k.short_abandon_seconds,
  core.kpi_avg_s(k.sum_in_queue_s, k.count_in_queue_s)         AS avg_in_queue_s,
  k.p50_in_queue_s,
  k.p90_in_queue_s,
  core.kpi_avg_s(k.sum_waiting_s, k.count_waiting_s)           AS avg_waiting_s,
  k.p50_waiting_s,
  k.p90_waiting_s,
  core.kpi_avg_s(k.sum_answer_s, k.count_answer_s)             AS avg_answer_s,
  k.p50_answer_s,
  k.p90_answer_s,
  core.kpi_avg_s(k.sum_active_s, k.count_active_s)             AS avg_active_s,
  k.p50_active_s,
  k.p90_active_s,
  core.kpi_avg_s(k.sum_acw_s, k.count_acw_s)                   AS avg_acw_s,
  k.p50_acw_s,
  k.p90_acw_s,
  core.kpi_avg_s(k.sum_handle_s, k.count_handle_s)             AS avg_handle_s,
  k.p50_handle_s,
  k.p90_handle_s,
  core.kpi_avg_s(k.sum_abandon_wait_s, k.count_abandon_wait_s) AS avg_abandon_wait_s,
  k.count_in_queue_s,     k.sum_in_queue_s,
  k.count_waiting_s,      k.sum_waiting_s,
  k.count_answer_s,       k.sum_answer_s,
  k.count_active_s,       k.sum_active_s,
  k.count_acw_s,          k.sum_acw_s,
  k.count_handle_s,       k.sum_handle_s,
  k.count_abandon_wait_s, k.sum_abandon_wait_s
FROM core.period_kpis_summary k;

-- The daily, weekly and monthly KPIs (docs/metrics.md "Daily KPIs" and "Interval KPIs, short
-- abandons and service-level variants"), computed straight from core: one row per period ×
-- department × channel, where a period is a REPORT_TZ day, ISO week (from Monday) or calendar
-- month and a session belongs to the period of its created_day.
--
-- p_grain is 'day', 'week' or 'month'; p_first_day … p_last_day must cover whole periods (the
-- refresh passes the Monday / the 1st and the last day). Counts and sums add up over rows;
-- percentiles (percentile_cont, linear interpolation) are computed over the sessions of the
-- period itself, never from the daily ones. Averages and percentiles ignore NULLs.
CREATE FUNCTION core.kpis_for_periods(p_grain text, p_first_day date, p_last_day date)
RETURNS TABLE (
  grain                 text,
  period_start          date,
  department_id         bigint,
  channel               text,
  sessions              bigint,
  offered               bigint,
  answered              bigint,
  abandoned             bigint,
  short_abandoned       bigint,
  answered_within_sl    bigint,
  service_level_seconds numeric,
  short_abandon_seconds numeric,
  count_in_queue_s bigint, sum_in_queue_s numeric, p50_in_queue_s numeric, p90_in_queue_s numeric,
  count_waiting_s  bigint, sum_waiting_s  numeric, p50_waiting_s  numeric, p90_waiting_s  numeric,
  count_answer_s   bigint, sum_answer_s   numeric, p50_answer_s   numeric, p90_answer_s   numeric,
  count_active_s   bigint, sum_active_s   numeric, p50_active_s   numeric, p90_active_s   numeric,
  count_acw_s      bigint, sum_acw_s      numeric, p50_acw_s      numeric, p90_acw_s      numeric,
  count_handle_s   bigint, sum_handle_s   numeric, p50_handle_s   numeric, p90_handle_s   numeric,
  count_abandon_wait_s bigint, sum_abandon_wait_s numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    p_grain,
    date_trunc(p_grain, k.created_day::timestamp)::date        AS period_start,
    k.department_id,
    k.channel,
    count(*)                                                   AS sessions,
    count(*) FILTER (WHERE k.is_offered)                       AS offered,            -- K-OFFERED
    count(*) FILTER (WHERE k.is_answered)                      AS answered,           -- K-ANSWERED
    count(*) FILTER (WHERE k.is_abandoned)                     AS abandoned,          -- K-ABANDONED
    count(*) FILTER (WHERE k.is_short_abandoned)               AS short_abandoned,    -- K-SHORT-ABANDON
    count(*) FILTER (WHERE k.is_answered_within_sl)            AS answered_within_sl, -- K-SL numerator
    k.service_level_seconds,
    k.short_abandon_seconds,
    -- K-AVG: count and sum (averages over any grouping) and p50/p90 of each duration
    count(k.in_queue_s), sum(k.in_queue_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.in_queue_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.in_queue_s)::numeric, 3),
    count(k.waiting_s), sum(k.waiting_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.waiting_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.waiting_s)::numeric, 3),
    count(k.answer_s), sum(k.answer_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.answer_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.answer_s)::numeric, 3),
    count(k.active_s), sum(k.active_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.active_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.active_s)::numeric, 3),
    count(k.acw_s), sum(k.acw_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.acw_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.acw_s)::numeric, 3),
    count(k.handle_s), sum(k.handle_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.handle_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY k.handle_s)::numeric, 3),
    count(k.abandon_wait_s), sum(k.abandon_wait_s)             -- K-ABANDON-WAIT
  FROM core.kpi_sessions_for_days(p_first_day, p_last_day) k
  GROUP BY 2, k.department_id, k.channel, k.service_level_seconds, k.short_abandon_seconds
$$;
REVOKE ALL ON FUNCTION core.kpis_for_periods(text, date, date) FROM PUBLIC;

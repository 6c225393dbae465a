-- The KPI definitions (docs/metrics.md, K-rules).
-- One row per REPORT_TZ day × department × channel, for the days p_first_day … p_last_day.
-- A session belongs to the day of its created_at in REPORT_TZ. The created_at bounds (one day
-- of margin either side) only let the index on created_at find the rows; the day test decides,
-- so a DST change at local midnight can never drop a session.
-- Percentiles are percentile_cont (linear interpolation); averages and percentiles ignore NULLs.
CREATE FUNCTION core.daily_kpis_for_days(p_first_day date, p_last_day date)
RETURNS TABLE (
  day                   date,
  department_id         bigint,
  channel               text,
  sessions              bigint,
  offered               bigint,
  answered              bigint,
  abandoned             bigint,
  answered_within_sl    bigint,
  service_level_seconds numeric,
  count_in_queue_s bigint, sum_in_queue_s numeric, p50_in_queue_s numeric, p90_in_queue_s numeric,
  count_waiting_s  bigint, sum_waiting_s  numeric, p50_waiting_s  numeric, p90_waiting_s  numeric,
  count_answer_s   bigint, sum_answer_s   numeric, p50_answer_s   numeric, p90_answer_s   numeric,
  count_active_s   bigint, sum_active_s   numeric, p50_active_s   numeric, p90_active_s   numeric,
  count_acw_s      bigint, sum_acw_s      numeric, p50_acw_s      numeric, p90_acw_s      numeric,
  count_handle_s   bigint, sum_handle_s   numeric, p50_handle_s   numeric, p90_handle_s   numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    s.day,
    s.department_id,
    s.channel,
    count(*)                                   AS sessions,
    count(*) FILTER (WHERE s.is_offered)       AS offered,            -- K-OFFERED
    count(*) FILTER (WHERE s.is_answered)      AS answered,           -- K-ANSWERED
    count(*) FILTER (WHERE s.is_abandoned)     AS abandoned,          -- K-ABANDONED
    count(*) FILTER (WHERE s.is_answered AND s.answer_s <= s.service_level_seconds)
                                               AS answered_within_sl, -- K-SL numerator
    s.service_level_seconds,
    -- K-AVG: count and sum (for averages over any grouping) and p50/p90 of each duration
    count(s.in_queue_s), sum(s.in_queue_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3),
    count(s.waiting_s), sum(s.waiting_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.waiting_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.waiting_s)::numeric, 3),
    count(s.answer_s), sum(s.answer_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.answer_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.answer_s)::numeric, 3),
    count(s.active_s), sum(s.active_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.active_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.active_s)::numeric, 3),
    count(s.acw_s), sum(s.acw_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.acw_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.acw_s)::numeric, 3),
    count(s.handle_s), sum(s.handle_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.handle_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.handle_s)::numeric, 3)
  FROM (
    SELECT
      (cs.created_at AT TIME ZONE st.report_tz)::date             AS day,
      cs.department_id,
      cs.channel,
      cs.is_offered,
      cs.is_offered AND cs.is_answered                            AS is_answered,
      cs.is_offered AND cs.is_complete AND NOT cs.is_answered     AS is_abandoned,
      cs.in_queue_s,
      cs.waiting_s,
      cs.answer_s,                                                -- K-ANSWER
      cs.active_s,
      cs.acw_s,
      cs.active_s + cs.acw_s                                      AS handle_s, -- K-HANDLE
      st.service_level_seconds
    FROM core.sessions cs
    CROSS JOIN etl.settings st
    WHERE cs.created_at >= (SELECT (p_first_day::timestamp AT TIME ZONE report_tz) - interval '1 day' FROM etl.settings)
      AND cs.created_at <  (SELECT ((p_last_day + 1)::timestamp AT TIME ZONE report_tz) + interval '1 day' FROM etl.settings)
  ) s
  WHERE s.day BETWEEN p_first_day AND p_last_day
  GROUP BY s.day, s.department_id, s.channel, s.service_level_seconds
$$;
-- Only the ETL's own user calls it (PUBLIC gets EXECUTE on new functions by default).
REVOKE ALL ON FUNCTION core.daily_kpis_for_days(date, date) FROM PUBLIC;

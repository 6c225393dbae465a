-- One row per REPORT_TZ day × operator (docs/metrics.md, per operator and day). An operator's row of
-- a session belongs to the day of the session's created_at, like every other KPI.
CREATE FUNCTION core.operator_daily_for_days(p_first_day date, p_last_day date)
RETURNS TABLE (
  day            date,
  user_id        bigint,
  name_seen      text,
  session_rows   bigint,
  sessions       bigint,
  offers         bigint,
  missed         bigint,
  count_queue_s  bigint,
  sum_queue_s    numeric,
  count_active_s bigint,
  sum_active_s   numeric,
  count_acw_s    bigint,
  sum_acw_s      numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    o.day,
    o.user_id,
    -- the operator's name as the day's latest session gave it (core.operators is preferred by the view)
    (array_agg(o.name ORDER BY o.created_at DESC) FILTER (WHERE o.name IS NOT NULL))[1],
    count(*)                                     AS session_rows,
    count(*) FILTER (WHERE o.joined_at IS NOT NULL) AS sessions,
    sum(o.offers)                                AS offers,
    sum(o.missed)                                AS missed,
    count(o.queue_s),  sum(o.queue_s),
    count(o.active_s), sum(o.active_s),
    count(o.acw_s),    sum(o.acw_s)
  FROM (
    SELECT
      (cs.created_at AT TIME ZONE st.report_tz)::date AS day,
      cs.created_at,
      so.user_id,
      coalesce(nullif(btrim(concat_ws(' ', so.first_name, so.last_name)), ''), so.user_name) AS name,
      so.joined_at,
      so.offers,
      so.missed,
      so.queue_s,
      so.active_s,
      so.acw_s
    FROM core.sessions cs
    JOIN core.session_operators so ON so.session_id = cs.session_id
    CROSS JOIN etl.settings st
    WHERE cs.created_at >= (SELECT (p_first_day::timestamp AT TIME ZONE report_tz) - interval '1 day' FROM etl.settings)
      AND cs.created_at <  (SELECT ((p_last_day + 1)::timestamp AT TIME ZONE report_tz) + interval '1 day' FROM etl.settings)
  ) o
  WHERE o.day BETWEEN p_first_day AND p_last_day
  GROUP BY o.day, o.user_id
$$;
-- Only the ETL's own user calls it (PUBLIC gets EXECUTE on new functions by default).
REVOKE ALL ON FUNCTION core.operator_daily_for_days(date, date) FROM PUBLIC;

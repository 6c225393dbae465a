-- One row per REPORT_TZ day × operator of tenant p_tenant (docs/metrics.md "Per operator and day"). An operator's
-- row of a session belongs to the day of the session's created_at, like every other KPI.
CREATE FUNCTION core.operator_daily_for_days(p_tenant text, p_first_day date, p_last_day date)
RETURNS TABLE (
  tenant            text,
  day               date,
  user_id           bigint,
  name_seen         text,
  sessions_involved bigint,
  sessions_handled  bigint,
  offers            bigint,
  missed            bigint,
  count_queue_s     bigint,
  sum_queue_s       numeric,
  count_active_s    bigint,
  sum_active_s      numeric,
  count_acw_s       bigint,
  sum_acw_s         numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    p_tenant,
    k.created_day,
    so.user_id,
    -- the operator's name as the day's latest session gave it (core.operators is preferred by the view)
    (array_agg(n.name ORDER BY k.created_at DESC) FILTER (WHERE n.name IS NOT NULL))[1],
    count(*)                                         AS sessions_involved,
    count(*) FILTER (WHERE so.joined_at IS NOT NULL) AS sessions_handled,
    sum(so.offers)                                   AS offers,   -- M-OP-OFFERS
    sum(so.missed)                                   AS missed,   -- M-OP-MISSED
    count(so.queue_s),  sum(so.queue_s),                          -- M-OP-QUEUE
    count(so.active_s), sum(so.active_s),                         -- M-OP-ACTIVE
    count(so.acw_s),    sum(so.acw_s)                             -- M-OP-ACW
  FROM core.kpi_sessions_for_days(p_tenant, p_first_day, p_last_day) k
  JOIN core.session_operators so ON so.tenant = k.tenant AND so.session_id = k.session_id
  CROSS JOIN LATERAL (SELECT core.operator_name(so.first_name, so.last_name, so.user_name)) AS n(name)
  GROUP BY k.created_day, so.user_id
$$;
REVOKE ALL ON FUNCTION core.operator_daily_for_days(text, date, date) FROM PUBLIC;

-- K-ABANDON-WAIT (docs/metrics.md): for an abandoned session, seconds from the first
-- RoutingRequestCreated until the session ended, with millisecond precision (rounded half away
-- from zero, like every duration, docs/metrics.md M-0.1). NULL when the session is not abandoned,
-- when either instant is missing, or when the result would be negative.
CREATE FUNCTION core.kpi_abandon_wait_s(p_is_abandoned boolean, p_first_routing_at timestamptz, p_ended_at timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
           WHEN p_is_abandoned AND p_ended_at >= p_first_routing_at
           THEN round(extract(epoch FROM p_ended_at - p_first_routing_at), 3)
         END
$$;

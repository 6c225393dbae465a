-- K-SHORT-ABANDON (docs/metrics.md): an abandoned session whose abandon_wait_s is below
-- SHORT_ABANDON_SECONDS (strictly: at the threshold itself it is an ordinary abandon). A threshold
-- of 0 turns short abandons off, since abandon_wait_s is never negative. Never NULL.
CREATE FUNCTION core.kpi_is_short_abandoned(p_abandon_wait_s numeric, p_short_abandon_seconds numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(p_abandon_wait_s < p_short_abandon_seconds, false)
$$;

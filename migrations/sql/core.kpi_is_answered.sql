-- K-ANSWERED (docs/metrics.md): an offered session that an operator accepted. A session accepted
-- without a routing request (a direct or outbound session) is not "answered" in this sense.
CREATE FUNCTION core.kpi_is_answered(p_is_offered boolean, p_is_accepted boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT p_is_offered AND p_is_accepted
$$;

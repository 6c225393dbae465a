-- K-ABANDONED (docs/metrics.md): an offered session that is complete and that no operator ever
-- accepted. A session still open is neither answered nor abandoned (yet).
CREATE FUNCTION core.kpi_is_abandoned(p_is_offered boolean, p_is_accepted boolean, p_is_complete boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT p_is_offered AND p_is_complete AND NOT p_is_accepted
$$;

-- K-HANDLE (docs/metrics.md): handle time of a session, active_s + acw_s; NULL unless both are known.
CREATE FUNCTION core.kpi_handle_s(p_active_s numeric, p_acw_s numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT p_active_s + p_acw_s
$$;

-- K-SL numerator (docs/metrics.md): an answered session whose answer_s is at most the
-- service-level threshold (SERVICE_LEVEL_SECONDS). Never NULL: unknown answer_s is not "within".
CREATE FUNCTION core.kpi_is_answered_within_sl(p_is_answered boolean, p_answer_s numeric, p_service_level_seconds numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(p_is_answered AND p_answer_s <= p_service_level_seconds, false)
$$;

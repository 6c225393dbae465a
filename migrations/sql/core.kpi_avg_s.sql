-- Every average duration in the reporting views: sum ÷ count in seconds, rounded to the
-- millisecond like the durations themselves (docs/metrics.md M-0.1); NULL when nothing was known.
CREATE FUNCTION core.kpi_avg_s(p_sum numeric, p_count bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT round(p_sum / nullif(p_count, 0), 3)
$$;

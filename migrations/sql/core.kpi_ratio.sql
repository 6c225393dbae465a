-- Every ratio in the reporting views (service levels, abandon rate): numerator ÷ denominator as
-- numeric rounded to 4 decimals, NULL when the denominator is 0 (docs/metrics.md "Interval KPIs").
-- The views always show numerator and denominator beside it, so any roll-up can be done as a
-- ratio of sums.
CREATE FUNCTION core.kpi_ratio(p_numerator numeric, p_denominator numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT round(p_numerator / nullif(p_denominator, 0), 4)
$$;

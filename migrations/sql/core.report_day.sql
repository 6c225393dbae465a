-- The day bucket of every daily, weekly and monthly KPI (docs/metrics.md "Daily KPIs"): the
-- calendar day of an instant in the reporting time zone (REPORT_TZ, etl.settings.report_tz).
-- IMMUTABLE plain SQL, so Postgres inlines it into the queries that use it: no call per row.
CREATE FUNCTION core.report_day(p_at timestamptz, p_tz text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (p_at AT TIME ZONE p_tz)::date
$$;

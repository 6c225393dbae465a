-- Recomputes every REPORT_TZ day of tenant p_tenant that overlaps the half-open created_at range
-- [p_from, p_to) (with its week, month and intervals, core.refresh_reporting_days); an empty range
-- (p_from = p_to) means the day of p_from. Every load calls it in the transaction that changed
-- core (src/load/reporting-summaries.ts), so the commit publishes facts and KPIs together.
CREATE FUNCTION core.refresh_reporting_summaries(p_tenant text, p_from timestamptz, p_to timestamptz) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_tz text;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
    RAISE EXCEPTION 'refresh_reporting_summaries: not a created_at range: [%, %)', p_from, p_to;
  END IF;
  -- Lock before reading the time zone: a concurrent settings change then either finished first
  -- (and we bucket with the new zone) or rebuilds everything after us.
  PERFORM pg_advisory_xact_lock(1835824502, hashtext(p_tenant));
  SELECT report_tz INTO STRICT v_tz FROM etl.settings WHERE tenant = p_tenant;
  PERFORM core.refresh_reporting_days(
    p_tenant,
    core.report_day(p_from, v_tz),
    -- the last instant inside the range (timestamptz has microsecond resolution)
    core.report_day(CASE WHEN p_to > p_from THEN p_to - interval '1 microsecond' ELSE p_from END, v_tz));
END;
$$;
REVOKE ALL ON FUNCTION core.refresh_reporting_summaries(text, timestamptz, timestamptz) FROM PUBLIC;

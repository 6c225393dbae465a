-- Recomputes every summary row (after a REPORT_TZ, SERVICE_LEVEL_SECONDS or
-- SHORT_ABANDON_SECONDS change, and when the migration that defines them runs).
CREATE FUNCTION core.rebuild_reporting_summaries() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_first date;
  v_last  date;
BEGIN
  PERFORM pg_advisory_xact_lock(1835824502, 300);
  DELETE FROM core.period_kpis_summary;
  DELETE FROM core.interval_kpis_parts;
  DELETE FROM core.interval_kpis_summary;
  DELETE FROM core.operator_daily_summary;
  SELECT core.report_day((SELECT min(created_at) FROM core.sessions), report_tz),
         core.report_day((SELECT max(created_at) FROM core.sessions), report_tz)
    INTO v_first, v_last
    FROM etl.settings;
  IF v_first IS NOT NULL THEN
    PERFORM core.refresh_reporting_days(v_first, v_last);
  END IF;
  -- Every row was just replaced: give the planner fresh statistics now rather than at the next
  -- autovacuum. etl.settings too: its one row never reaches autovacuum's threshold, and unanalyzed
  -- it is guessed at ~600 rows, which multiplies the cost of every view that joins it until JIT
  -- compilation kicks in (half a second spent compiling a 100 ms query).
  ANALYZE etl.settings;
  ANALYZE core.period_kpis_summary;
  ANALYZE core.interval_kpis_parts;
  ANALYZE core.interval_kpis_summary;
  ANALYZE core.operator_daily_summary;
END;
$$;
REVOKE ALL ON FUNCTION core.rebuild_reporting_summaries() FROM PUBLIC;

-- Recomputes every summary row (after a REPORT_TZ or SERVICE_LEVEL_SECONDS change).
CREATE FUNCTION core.rebuild_reporting_summaries() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_first date;
  v_last  date;
BEGIN
  PERFORM pg_advisory_xact_lock(1835824502, 300);
  DELETE FROM core.daily_kpis_summary;
  DELETE FROM core.operator_daily_summary;
  SELECT ((SELECT min(created_at) FROM core.sessions) AT TIME ZONE report_tz)::date,
         ((SELECT max(created_at) FROM core.sessions) AT TIME ZONE report_tz)::date
    INTO v_first, v_last
    FROM etl.settings;
  IF v_first IS NOT NULL THEN
    PERFORM core.refresh_reporting_days(v_first, v_last);
  END IF;
END;
$$;
-- Only the ETL's own user calls it (PUBLIC gets EXECUTE on new functions by default).
REVOKE ALL ON FUNCTION core.rebuild_reporting_summaries() FROM PUBLIC;

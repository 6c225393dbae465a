-- Recomputes every summary row of tenant p_tenant (after its REPORT_TZ, SERVICE_LEVEL_SECONDS or
-- SHORT_ABANDON_SECONDS changed), or of every tenant when p_tenant is NULL (when the migration
-- that defines them runs).
CREATE FUNCTION core.rebuild_reporting_summaries(p_tenant text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_tenant text;
  v_first  date;
  v_last   date;
BEGIN
  FOR v_tenant IN SELECT st.tenant FROM etl.settings st WHERE p_tenant IS NULL OR st.tenant = p_tenant ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1835824502, hashtext(v_tenant));
    DELETE FROM core.period_kpis_summary WHERE tenant = v_tenant;
    DELETE FROM core.interval_kpis_parts WHERE tenant = v_tenant;
    DELETE FROM core.interval_kpis_summary WHERE tenant = v_tenant;
    DELETE FROM core.operator_daily_summary WHERE tenant = v_tenant;
    SELECT core.report_day((SELECT min(created_at) FROM core.sessions WHERE tenant = v_tenant), report_tz),
           core.report_day((SELECT max(created_at) FROM core.sessions WHERE tenant = v_tenant), report_tz)
      INTO v_first, v_last
      FROM etl.settings WHERE tenant = v_tenant;
    IF v_first IS NOT NULL THEN
      PERFORM core.refresh_reporting_days(v_tenant, v_first, v_last);
    END IF;
  END LOOP;
  -- Every row was just replaced: give the planner fresh statistics now rather than at the next
  -- autovacuum. etl.settings too: its few rows never reach autovacuum's threshold, and unanalyzed
  -- it is guessed at ~600 rows, which multiplies the cost of every view that joins it until JIT
  -- compilation kicks in (half a second spent compiling a 100 ms query).
  ANALYZE etl.settings;
  ANALYZE core.period_kpis_summary;
  ANALYZE core.interval_kpis_parts;
  ANALYZE core.interval_kpis_summary;
  ANALYZE core.operator_daily_summary;
END;
$$;
REVOKE ALL ON FUNCTION core.rebuild_reporting_summaries(text) FROM PUBLIC;

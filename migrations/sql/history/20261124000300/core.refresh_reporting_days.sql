-- Recomputes the summary rows of the REPORT_TZ days p_first_day … p_last_day from core.
-- force_custom_plan: plan with the actual days, so one day is an index range scan.
CREATE FUNCTION core.refresh_reporting_days(p_first_day date, p_last_day date) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1835824502, 300);
  DELETE FROM core.daily_kpis_summary WHERE day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.daily_kpis_summary SELECT * FROM core.daily_kpis_for_days(p_first_day, p_last_day);
  DELETE FROM core.operator_daily_summary WHERE day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.operator_daily_summary SELECT * FROM core.operator_daily_for_days(p_first_day, p_last_day);
END;
$$;
-- Only the ETL's own user calls it (PUBLIC gets EXECUTE on new functions by default).
REVOKE ALL ON FUNCTION core.refresh_reporting_days(date, date) FROM PUBLIC;

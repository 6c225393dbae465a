-- Recomputes the summary rows of the REPORT_TZ days p_first_day … p_last_day from core: those
-- days, the ISO weeks and calendar months that hold them (their percentiles cannot be derived from
-- the days), the 15-minute intervals of the sessions created on them, and operator_daily.
-- Serialised by the summaries' advisory lock, so two loads refreshing one day never interleave.
-- force_custom_plan: plan with the actual days, so one day is an index range scan.
CREATE FUNCTION core.refresh_reporting_days(p_first_day date, p_last_day date) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  v_first_week  date := date_trunc('week', p_first_day::timestamp)::date;
  v_last_week   date := date_trunc('week', p_last_day::timestamp)::date;
  v_first_month date := date_trunc('month', p_first_day::timestamp)::date;
  v_last_month  date := date_trunc('month', p_last_day::timestamp)::date;
BEGIN
  PERFORM pg_advisory_xact_lock(1835824502, 300);

  DELETE FROM core.period_kpis_summary WHERE grain = 'day' AND period_start BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.period_kpis_summary SELECT * FROM core.kpis_for_periods('day', p_first_day, p_last_day);

  DELETE FROM core.period_kpis_summary WHERE grain = 'week' AND period_start BETWEEN v_first_week AND v_last_week;
  INSERT INTO core.period_kpis_summary SELECT * FROM core.kpis_for_periods('week', v_first_week, v_last_week + 6);

  DELETE FROM core.period_kpis_summary WHERE grain = 'month' AND period_start BETWEEN v_first_month AND v_last_month;
  INSERT INTO core.period_kpis_summary
    SELECT * FROM core.kpis_for_periods('month', v_first_month, (v_last_month + interval '1 month')::date - 1);

  DELETE FROM core.interval_kpis_summary WHERE created_day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.interval_kpis_summary SELECT * FROM core.interval_kpis_for_days(p_first_day, p_last_day);

  DELETE FROM core.operator_daily_summary WHERE day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.operator_daily_summary SELECT * FROM core.operator_daily_for_days(p_first_day, p_last_day);
END;
$$;
REVOKE ALL ON FUNCTION core.refresh_reporting_days(date, date) FROM PUBLIC;

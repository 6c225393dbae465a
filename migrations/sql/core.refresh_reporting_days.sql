-- Recomputes the summary rows of tenant p_tenant for its REPORT_TZ days p_first_day … p_last_day
-- from core: those days, the ISO weeks and calendar months that hold them (their percentiles
-- cannot be derived from the days), the 15-minute intervals of the sessions created on them (the
-- parts of those days, then the sums of every interval whose parts changed), and operator_daily.
-- Serialised per tenant by an advisory lock, so two loads refreshing one day never interleave,
-- while tenants refresh side by side (their rows never meet).
-- force_custom_plan: plan with the actual days, so one day is an index range scan.
CREATE FUNCTION core.refresh_reporting_days(p_tenant text, p_first_day date, p_last_day date) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  v_first_week  date := date_trunc('week', p_first_day::timestamp)::date;
  v_last_week   date := date_trunc('week', p_last_day::timestamp)::date;
  v_first_month date := date_trunc('month', p_first_day::timestamp)::date;
  v_last_month  date := date_trunc('month', p_last_day::timestamp)::date;
  v_intervals   timestamptz[];
BEGIN
  PERFORM pg_advisory_xact_lock(1835824502, hashtext(p_tenant));

  DELETE FROM core.period_kpis_summary WHERE tenant = p_tenant AND grain = 'day' AND period_start BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.period_kpis_summary SELECT * FROM core.kpis_for_periods(p_tenant, 'day', p_first_day, p_last_day);

  DELETE FROM core.period_kpis_summary WHERE tenant = p_tenant AND grain = 'week' AND period_start BETWEEN v_first_week AND v_last_week;
  INSERT INTO core.period_kpis_summary SELECT * FROM core.kpis_for_periods(p_tenant, 'week', v_first_week, v_last_week + 6);

  DELETE FROM core.period_kpis_summary WHERE tenant = p_tenant AND grain = 'month' AND period_start BETWEEN v_first_month AND v_last_month;
  INSERT INTO core.period_kpis_summary
    SELECT * FROM core.kpis_for_periods(p_tenant, 'month', v_first_month, (v_last_month + interval '1 month')::date - 1);

  WITH gone AS (
         DELETE FROM core.interval_kpis_parts WHERE tenant = p_tenant AND created_day BETWEEN p_first_day AND p_last_day
         RETURNING interval_start),
       added AS (
         INSERT INTO core.interval_kpis_parts SELECT * FROM core.interval_kpis_for_days(p_tenant, p_first_day, p_last_day)
         RETURNING interval_start)
  SELECT array_agg(DISTINCT x.interval_start) INTO v_intervals
    FROM (SELECT interval_start FROM gone UNION ALL SELECT interval_start FROM added) x;
  DELETE FROM core.interval_kpis_summary WHERE tenant = p_tenant AND interval_start = ANY (v_intervals);
  INSERT INTO core.interval_kpis_summary
    SELECT p.tenant, p.interval_start, p.interval_day, p.department_id, p.channel,
           sum(p.offered), sum(p.answered), sum(p.abandoned), sum(p.short_abandoned), sum(p.answered_within_sl),
           p.service_level_seconds, p.short_abandon_seconds,
           sum(p.count_answer_s), sum(p.sum_answer_s), sum(p.count_handle_s), sum(p.sum_handle_s),
           sum(p.count_abandon_wait_s), sum(p.sum_abandon_wait_s)
      FROM core.interval_kpis_parts p
     WHERE p.tenant = p_tenant AND p.interval_start = ANY (v_intervals)
     GROUP BY p.tenant, p.interval_start, p.interval_day, p.department_id, p.channel, p.service_level_seconds, p.short_abandon_seconds;

  DELETE FROM core.operator_daily_summary WHERE tenant = p_tenant AND day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.operator_daily_summary SELECT * FROM core.operator_daily_for_days(p_tenant, p_first_day, p_last_day);
END;
$$;
REVOKE ALL ON FUNCTION core.refresh_reporting_days(text, date, date) FROM PUBLIC;

-- KPIs per month (docs/metrics.md "Daily KPIs"): the month rows of core.period_kpis, which
-- every load refreshes for the months it touched. Same columns as reporting.daily_kpis.
CREATE VIEW reporting.monthly_kpis AS
SELECT
  k.period_start AS month_start,
  k.department_id,
  k.channel,
  k.sessions,
  k.offered,
  k.answered,
  k.abandoned,
  k.short_abandoned,
  k.answered_within_sl,
  k.service_level,
  k.service_level_denominator,
  k.service_level_net,
  k.service_level_net_denominator,
  k.service_level_offered,
  k.service_level_answered,
  k.abandon_rate,
  k.abandon_rate_numerator,
  k.abandon_rate_denominator,
  k.service_level_seconds,
  k.short_abandon_seconds,
  k.avg_in_queue_s,
  k.p50_in_queue_s,
  k.p90_in_queue_s,
  k.avg_waiting_s,
  k.p50_waiting_s,
  k.p90_waiting_s,
  k.avg_answer_s,
  k.p50_answer_s,
  k.p90_answer_s,
  k.avg_active_s,
  k.p50_active_s,
  k.p90_active_s,
  k.avg_acw_s,
  k.p50_acw_s,
  k.p90_acw_s,
  k.avg_handle_s,
  k.p50_handle_s,
  k.p90_handle_s,
  k.avg_abandon_wait_s,
  k.count_in_queue_s,
  k.sum_in_queue_s,
  k.count_waiting_s,
  k.sum_waiting_s,
  k.count_answer_s,
  k.sum_answer_s,
  k.count_active_s,
  k.sum_active_s,
  k.count_acw_s,
  k.sum_acw_s,
  k.count_handle_s,
  k.sum_handle_s,
  k.count_abandon_wait_s,
  k.sum_abandon_wait_s
FROM core.period_kpis k
WHERE k.grain = 'month';

COMMENT ON VIEW reporting.monthly_kpis IS
  'Contact-center KPIs per calendar month (reporting time zone) × department × channel: the same columns as daily_kpis, computed over the month''s sessions (docs/metrics.md K-rules). Counts and sums equal the sums of the month''s daily_kpis rows; ratios are ratios of those sums; percentiles are computed over the month''s sessions themselves.';
COMMENT ON COLUMN reporting.monthly_kpis.month_start IS 'First day of the calendar month in the reporting time zone; a session counts for the month of the day it was created.';

-- Every other column means what it means in daily_kpis, over the month instead of the day.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT a.attname, col_description(a.attrelid, a.attnum) AS comment
      FROM pg_attribute a
     WHERE a.attrelid = 'reporting.daily_kpis'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'day'
  LOOP
    EXECUTE format('COMMENT ON COLUMN reporting.monthly_kpis.%I IS %L', c.attname, c.comment);
  END LOOP;
END
$$;

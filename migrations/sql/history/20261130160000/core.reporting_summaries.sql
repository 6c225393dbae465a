-- The stored rows behind the KPI views. Plain views over core cannot answer 90 days of a
-- million-session warehouse in well under a second (bench/views.ts), so every load recomputes the
-- days it touched, and the weeks and months that hold them, in its own transaction
-- (core.refresh_reporting_summaries): analysts never see numbers older than the last load.

-- Rows of core.kpis_for_periods for the three grains ('day', 'week', 'month').
CREATE TABLE core.period_kpis_summary AS
  SELECT * FROM core.kpis_for_periods('day', '2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.period_kpis_summary
  ALTER COLUMN grain SET NOT NULL,
  ALTER COLUMN period_start SET NOT NULL,
  ADD CONSTRAINT period_kpis_summary_grain CHECK (grain IN ('day', 'week', 'month'));
CREATE INDEX period_kpis_summary_grain_start ON core.period_kpis_summary (grain, period_start);
COMMENT ON TABLE core.period_kpis_summary IS
  'Stored rows of core.kpis_for_periods per day, ISO week and month; refreshed by every load (core.refresh_reporting_summaries). Read through reporting.daily_kpis, weekly_kpis and monthly_kpis.';

-- Rows of core.interval_kpis_for_days, split by the day the sessions were created: a load
-- replaces the parts of the days it touched ...
CREATE TABLE core.interval_kpis_parts AS
  SELECT * FROM core.interval_kpis_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.interval_kpis_parts
  ALTER COLUMN created_day SET NOT NULL,
  ALTER COLUMN interval_start SET NOT NULL;
CREATE INDEX interval_kpis_parts_interval ON core.interval_kpis_parts (interval_start);
CREATE INDEX interval_kpis_parts_created_day ON core.interval_kpis_parts (created_day);
COMMENT ON TABLE core.interval_kpis_parts IS
  'Stored rows of core.interval_kpis_for_days (per created day × 15-minute interval × department × channel); refreshed by every load, summed into core.interval_kpis_summary.';

-- ... and the intervals those parts belong to are summed again here, so that reading
-- reporting.interval_kpis needs no aggregation (an interval can hold sessions created on two days).
CREATE TABLE core.interval_kpis_summary AS
  SELECT interval_start, interval_day, department_id, channel, offered, answered, abandoned, short_abandoned,
         answered_within_sl, service_level_seconds, short_abandon_seconds, count_answer_s, sum_answer_s,
         count_handle_s, sum_handle_s, count_abandon_wait_s, sum_abandon_wait_s
    FROM core.interval_kpis_parts WITH NO DATA;
ALTER TABLE core.interval_kpis_summary ALTER COLUMN interval_start SET NOT NULL;
CREATE INDEX interval_kpis_summary_interval ON core.interval_kpis_summary (interval_start);
CREATE INDEX interval_kpis_summary_interval_day ON core.interval_kpis_summary (interval_day);
COMMENT ON TABLE core.interval_kpis_summary IS
  'One row per 15-minute interval × department × channel: the sum of its core.interval_kpis_parts, kept in step by core.refresh_reporting_days. Read through reporting.interval_kpis.';

CREATE TABLE core.operator_daily_summary AS
  SELECT * FROM core.operator_daily_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.operator_daily_summary ADD PRIMARY KEY (day, user_id);
COMMENT ON TABLE core.operator_daily_summary IS
  'Stored rows of core.operator_daily_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.operator_daily.';

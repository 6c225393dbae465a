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

-- Rows of core.interval_kpis_for_days, split by the day the sessions were created.
CREATE TABLE core.interval_kpis_summary AS
  SELECT * FROM core.interval_kpis_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.interval_kpis_summary
  ALTER COLUMN created_day SET NOT NULL,
  ALTER COLUMN interval_start SET NOT NULL;
CREATE INDEX interval_kpis_summary_interval ON core.interval_kpis_summary (interval_start);
CREATE INDEX interval_kpis_summary_interval_day ON core.interval_kpis_summary (interval_day);
CREATE INDEX interval_kpis_summary_created_day ON core.interval_kpis_summary (created_day);
COMMENT ON TABLE core.interval_kpis_summary IS
  'Stored rows of core.interval_kpis_for_days (per created day × 15-minute interval × department × channel); refreshed by every load. Read through reporting.interval_kpis, which adds up the created days.';

CREATE TABLE core.operator_daily_summary AS
  SELECT * FROM core.operator_daily_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.operator_daily_summary ADD PRIMARY KEY (day, user_id);
COMMENT ON TABLE core.operator_daily_summary IS
  'Stored rows of core.operator_daily_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.operator_daily.';

-- The rows of core.daily_kpis_for_days and core.operator_daily_for_days, stored. Plain views
-- over core cannot answer 90 days of a million-session warehouse in well under a second
-- (bench/views.ts), so every load refreshes the days it touched in its own transaction
-- (core.refresh_reporting_summaries), and analysts never see numbers older than the last load.
CREATE TABLE core.daily_kpis_summary AS
  SELECT * FROM core.daily_kpis_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.daily_kpis_summary ALTER COLUMN day SET NOT NULL;
CREATE INDEX daily_kpis_summary_day ON core.daily_kpis_summary (day);
COMMENT ON TABLE core.daily_kpis_summary IS
  'Stored rows of core.daily_kpis_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.daily_kpis.';

CREATE TABLE core.operator_daily_summary AS
  SELECT * FROM core.operator_daily_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.operator_daily_summary ADD PRIMARY KEY (day, user_id);
COMMENT ON TABLE core.operator_daily_summary IS
  'Stored rows of core.operator_daily_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.operator_daily.';

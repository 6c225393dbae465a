-- The settings the reporting views use, as etl.settings holds them (kept in step with the
-- configuration by every command, src/admin/reporting-settings.ts).
CREATE VIEW reporting.report_settings AS
SELECT
  st.report_tz,
  st.service_level_seconds,
  st.short_abandon_seconds,
  st.updated_at
FROM etl.settings st;

COMMENT ON VIEW reporting.report_settings IS
  'The settings the reporting views use: the reporting time zone of every "day", "week", "month" and interval, the service-level threshold and the short-abandon threshold (docs/metrics.md). One row.';
COMMENT ON COLUMN reporting.report_settings.report_tz IS 'Time zone of every day, hour and interval in the reporting views (REPORT_TZ); also the reader role''s session time zone, so instants such as created_at are shown in it.';
COMMENT ON COLUMN reporting.report_settings.service_level_seconds IS 'Service-level threshold in seconds: an answer within this counts as within service level (SERVICE_LEVEL_SECONDS, K-SL).';
COMMENT ON COLUMN reporting.report_settings.short_abandon_seconds IS 'Short-abandon threshold in seconds: an abandon after less than this in queue is a short abandon (SHORT_ABANDON_SECONDS, K-SHORT-ABANDON); 0 turns short abandons off.';
COMMENT ON COLUMN reporting.report_settings.updated_at IS 'When these settings last changed.';

CREATE VIEW reporting.report_settings AS
SELECT
  st.report_tz,
  st.service_level_seconds,
  st.updated_at
FROM etl.settings st;

COMMENT ON VIEW reporting.report_settings IS 'The settings the reporting views use: the reporting time zone of every "day" and the service-level threshold. One row.';
COMMENT ON COLUMN reporting.report_settings.report_tz IS 'Time zone of every day and hour in the reporting views (REPORT_TZ).';
COMMENT ON COLUMN reporting.report_settings.service_level_seconds IS 'Service-level threshold in seconds: an answer within this counts as within service level (SERVICE_LEVEL_SECONDS).';
COMMENT ON COLUMN reporting.report_settings.updated_at IS 'When these settings last changed.';

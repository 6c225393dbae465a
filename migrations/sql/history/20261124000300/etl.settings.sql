-- The one row holding REPORT_TZ and SERVICE_LEVEL_SECONDS as the database sees them;
-- syncReportingSettings keeps it in step with the configuration at the start of every command.
CREATE TABLE etl.settings (
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  report_tz             text NOT NULL DEFAULT 'Europe/Prague',
  service_level_seconds numeric NOT NULL DEFAULT 20 CHECK (service_level_seconds > 0),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE etl.settings IS
  'The reporting settings the views use, kept in step with REPORT_TZ and SERVICE_LEVEL_SECONDS by every command (syncReportingSettings).';
INSERT INTO etl.settings DEFAULT VALUES;

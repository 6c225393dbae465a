-- quality_flags in long form: a BI tool filters a plain text column with =, IN or "contains",
-- which it cannot do on a text[] column.
CREATE VIEW reporting.session_flags AS
SELECT
  k.session_id,
  k.created_day,
  f.flag
FROM core.kpi_sessions k
CROSS JOIN LATERAL unnest(k.quality_flags) AS f(flag);

COMMENT ON VIEW reporting.session_flags IS
  'One row per session and data-quality flag it carries (session_durations.quality_flags in long form, docs/metrics.md M-0.3): filter or count flags with plain =, IN, contains. Sessions without flags have no row; join session_durations on session_id for the rest.';
COMMENT ON COLUMN reporting.session_flags.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.session_flags.created_day IS 'Calendar day of the session''s created_at in the reporting time zone (as in daily_kpis).';
COMMENT ON COLUMN reporting.session_flags.flag IS 'One flag, e.g. negative_waiting (a formula came out negative and was left NULL), bad_length, bad_waited, unknown_campaign_mode, never_completed.';

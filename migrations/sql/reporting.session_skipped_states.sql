-- skipped_states in long form, for the same reason as session_flags.
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's rows (README "Tenants").
CREATE VIEW reporting.session_skipped_states WITH (security_invoker = true) AS
SELECT
  k.tenant,
  k.session_id,
  k.created_day,
  x.state
FROM core.kpi_sessions k
CROSS JOIN LATERAL unnest(k.skipped_states) AS x(state);

COMMENT ON VIEW reporting.session_skipped_states IS
  'One row per complete session and state it did not pass through (session_durations.skipped_states in long form, docs/metrics.md "Session state durations"): filter with plain =, IN. Sessions that skipped nothing, and incomplete sessions, have no row.';
COMMENT ON COLUMN reporting.session_skipped_states.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s rows.';
COMMENT ON COLUMN reporting.session_skipped_states.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.session_skipped_states.created_day IS 'Calendar day of the session''s created_at in the reporting time zone (as in daily_kpis).';
COMMENT ON COLUMN reporting.session_skipped_states.state IS 'A state the session skipped: CREATED, IN_QUEUE, WAITING, BCW, ACTIVE or ACW.';

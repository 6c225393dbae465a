-- The six session states in long form (docs/metrics.md "Session state durations").
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's rows (README "Tenants").
CREATE VIEW reporting.session_states WITH (security_invoker = true) AS
SELECT
  ss.tenant,
  ss.session_id,
  ss.state,
  CASE ss.state
    WHEN 'CREATED'  THEN 1
    WHEN 'IN_QUEUE' THEN 2
    WHEN 'WAITING'  THEN 3
    WHEN 'BCW'      THEN 4
    WHEN 'ACTIVE'   THEN 5
    WHEN 'ACW'      THEN 6
  END AS state_order,
  ss.duration_s
FROM core.session_states ss;

COMMENT ON VIEW reporting.session_states IS
  'The six session states in long form: one row per session and state it passed through (states with a NULL duration are left out, docs/metrics.md). Handy for stacked charts of where time goes.';
COMMENT ON COLUMN reporting.session_states.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s rows.';
COMMENT ON COLUMN reporting.session_states.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.session_states.state IS 'State: CREATED, IN_QUEUE, WAITING, BCW, ACTIVE or ACW (docs/metrics.md).';
COMMENT ON COLUMN reporting.session_states.state_order IS 'Position of the state in a session''s life, 1 (CREATED) to 6 (ACW): sort by it.';
COMMENT ON COLUMN reporting.session_states.duration_s IS 'Seconds the session spent in the state (never NULL here, may be 0).';

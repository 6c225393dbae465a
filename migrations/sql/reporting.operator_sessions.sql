-- One row per session × operator (docs/metrics.md "Per operator").
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's rows (README "Tenants").
CREATE VIEW reporting.operator_sessions WITH (security_invoker = true) AS
SELECT
  so.tenant,
  so.session_id,
  so.user_id,
  coalesce(core.operator_name(op.first_name, op.last_name, op.user_name),
           core.operator_name(so.first_name, so.last_name, so.user_name)) AS operator_name,
  s.created_at,
  core.report_day(s.created_at, st.report_tz) AS created_day,
  s.department_id,
  s.channel,
  so.joined_at,
  so.left_at,
  so.concluded_at,
  so.stints,
  so.queue_s,
  so.active_s,
  so.acw_s,
  so.offers,
  so.missed
FROM core.session_operators so
JOIN core.sessions s ON s.tenant = so.tenant AND s.session_id = so.session_id
LEFT JOIN core.operators op ON op.tenant = so.tenant AND op.user_id = so.user_id
JOIN etl.settings st ON st.tenant = so.tenant;

COMMENT ON VIEW reporting.operator_sessions IS
  'One row per session × operator (docs/metrics.md "Per operator"), including operators who were offered the session but never joined (joined_at NULL). An operator with several stints in a session has one row: earliest join, latest leave and conclusion, summed durations.';
COMMENT ON COLUMN reporting.operator_sessions.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s rows.';
COMMENT ON COLUMN reporting.operator_sessions.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.operator_sessions.user_id IS 'mluvii user id of the operator.';
COMMENT ON COLUMN reporting.operator_sessions.operator_name IS 'Operator''s name: first and last name, else user name (current name from mluvii, else as seen in the session).';
COMMENT ON COLUMN reporting.operator_sessions.created_at IS 'When the session was created.';
COMMENT ON COLUMN reporting.operator_sessions.created_day IS 'Day of the session''s created_at in the reporting time zone: the day this row counts for in operator_daily.';
COMMENT ON COLUMN reporting.operator_sessions.department_id IS 'Department of the session.';
COMMENT ON COLUMN reporting.operator_sessions.channel IS 'Channel of the session (Chat, AV, Phone).';
COMMENT ON COLUMN reporting.operator_sessions.joined_at IS 'When the operator first joined the session; NULL when they were offered it but never joined.';
COMMENT ON COLUMN reporting.operator_sessions.left_at IS 'When the operator last left the session.';
COMMENT ON COLUMN reporting.operator_sessions.concluded_at IS 'When the operator last concluded (finished after-call work on) the session.';
COMMENT ON COLUMN reporting.operator_sessions.stints IS 'How many times the operator joined the session (0 when only offered).';
COMMENT ON COLUMN reporting.operator_sessions.queue_s IS 'Seconds from the first assignment of the session to this operator until this operator accepted it; NULL when never assigned or never accepted (M-OP-QUEUE). Per operator; the session''s own queue time is session_durations.in_queue_s.';
COMMENT ON COLUMN reporting.operator_sessions.active_s IS 'Seconds this operator was in contact with the guest (left − joined, summed over stints) (M-OP-ACTIVE).';
COMMENT ON COLUMN reporting.operator_sessions.acw_s IS 'Seconds of this operator''s after-call work (concluded − left, summed over stints) (M-OP-ACW).';
COMMENT ON COLUMN reporting.operator_sessions.offers IS 'How many times the session was assigned (offered) to this operator (M-OP-OFFERS).';
COMMENT ON COLUMN reporting.operator_sessions.missed IS 'How many of those offers timed out without the operator accepting (M-OP-MISSED).';

-- One row per routing event (docs/metrics.md M-0.5: sorted by time, ties in mluvii's order).
CREATE VIEW reporting.routing_events AS
SELECT
  re.session_id,
  re.seq,
  re.event_at,
  re.activity_type,
  re.routing_request_id,
  re.group_id,
  re.group_name,
  re.operator_user_id,
  core.operator_name(op.first_name, op.last_name, op.user_name) AS operator_name,
  re.forwarded_by_user_id,
  re.invited_by_user_id
FROM core.routing_events re
LEFT JOIN core.operators op ON op.user_id = re.operator_user_id;

COMMENT ON VIEW reporting.routing_events IS
  'One row per routing event of a session (routing requests, assignments to operators, acceptances, timeouts, forwards), in time order (docs/metrics.md M-0.5).';
COMMENT ON COLUMN reporting.routing_events.session_id IS 'mluvii session id (see session_durations).';
COMMENT ON COLUMN reporting.routing_events.seq IS 'Position of the event in the session''s routing history, from 1, sorted by time (ties keep mluvii''s order).';
COMMENT ON COLUMN reporting.routing_events.event_at IS 'When the event happened.';
COMMENT ON COLUMN reporting.routing_events.activity_type IS 'What happened, e.g. RoutingRequestCreated, AssignedToOperator, AcceptedByOperator, OperatorTimeoutExpired.';
COMMENT ON COLUMN reporting.routing_events.routing_request_id IS 'The routing request the event belongs to.';
COMMENT ON COLUMN reporting.routing_events.group_id IS 'Operator group the request was routed to.';
COMMENT ON COLUMN reporting.routing_events.group_name IS 'Name of that group.';
COMMENT ON COLUMN reporting.routing_events.operator_user_id IS 'Operator the event concerns (assigned, accepted, timed out …).';
COMMENT ON COLUMN reporting.routing_events.operator_name IS 'That operator''s name, when known.';
COMMENT ON COLUMN reporting.routing_events.forwarded_by_user_id IS 'Operator who forwarded the session, for forwards.';
COMMENT ON COLUMN reporting.routing_events.invited_by_user_id IS 'Operator who invited, for invitations.';

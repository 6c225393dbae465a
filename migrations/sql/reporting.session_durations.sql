-- One row per session: the six state durations (docs/metrics.md "Session state durations") and
-- the per-session K-rules, read from core.kpi_sessions so they match the KPI views exactly.
-- security_invoker: the view reads with the rights of whoever queries it, so row-level security
-- shows a tenant's reader role only its own tenant's rows (README "Tenants").
CREATE VIEW reporting.session_durations WITH (security_invoker = true) AS
SELECT
  s.tenant,
  s.session_id,
  s.company_id,
  s.department_id,
  s.channel,
  s.source,
  s.status,
  s.campaign_id,
  s.campaign_mode,
  s.widget,
  s.created_at,
  s.created_day,
  extract(hour FROM s.created_at AT TIME ZONE s.report_tz)::integer AS created_hour,
  s.guest_joined_at,
  s.started_at,
  s.ended_at,
  s.first_routing_at                                 AS queue_entered_at,
  s.interval_start,
  s.created_s,
  s.in_queue_s,
  s.waiting_s,
  s.bcw_s,
  s.active_s,
  s.acw_s,
  s.ring_s,
  s.waited_s,
  s.answer_s,
  s.handle_s,
  s.abandon_wait_s,
  s.is_offered,
  s.is_answered,
  s.is_abandoned,
  s.is_short_abandoned,
  s.is_answered_within_sl,
  s.termination_reason,
  s.guest_left_session,
  s.auto_accepted,
  s.is_direct_chat,
  s.skipped_states,
  s.quality_flags,
  s.is_complete
FROM core.kpi_sessions s;

COMMENT ON VIEW reporting.session_durations IS
  'One row per mluvii session: when it happened, where it came from and how long it spent in each state (docs/metrics.md). Durations are seconds with millisecond precision; NULL means the session did not pass through the state or it cannot be known. No guest personal data. To filter on quality flags or skipped states, use session_flags and session_skipped_states.';
COMMENT ON COLUMN reporting.session_durations.tenant IS 'The mluvii tenant the row belongs to (`default`, MLUVII_TENANT, or a name registered with `tenants add`). A tenant''s reader role sees only its own tenant''s rows.';
COMMENT ON COLUMN reporting.session_durations.session_id IS 'mluvii session id; unique within a tenant (two tenants may use the same id: join on tenant and session_id).';
COMMENT ON COLUMN reporting.session_durations.company_id IS 'mluvii company (tenant) id.';
COMMENT ON COLUMN reporting.session_durations.department_id IS 'Department the session belongs to (mluvii department id).';
COMMENT ON COLUMN reporting.session_durations.channel IS 'Channel: Chat, AV (audio/video) or Phone.';
COMMENT ON COLUMN reporting.session_durations.source IS 'How the session started (e.g. Default, Api, Callback).';
COMMENT ON COLUMN reporting.session_durations.status IS 'mluvii session status (e.g. CLOSED).';
COMMENT ON COLUMN reporting.session_durations.campaign_id IS 'Campaign that started the session, if any.';
COMMENT ON COLUMN reporting.session_durations.campaign_mode IS 'Mode of that campaign (e.g. Preview); NULL without a campaign or when it could not be read.';
COMMENT ON COLUMN reporting.session_durations.widget IS 'Widget the guest used, when known.';
COMMENT ON COLUMN reporting.session_durations.created_at IS 'When the session was created (mluvii "created").';
COMMENT ON COLUMN reporting.session_durations.created_day IS 'Calendar day of created_at in the reporting time zone (REPORT_TZ, see report_settings): the day the session counts for in daily_kpis (and its week and month in weekly_kpis, monthly_kpis).';
COMMENT ON COLUMN reporting.session_durations.created_hour IS 'Hour of day (0–23) of created_at in the reporting time zone.';
COMMENT ON COLUMN reporting.session_durations.guest_joined_at IS 'When the guest joined.';
COMMENT ON COLUMN reporting.session_durations.started_at IS 'When the session started (an operator or bot took it).';
COMMENT ON COLUMN reporting.session_durations.ended_at IS 'When the session ended.';
COMMENT ON COLUMN reporting.session_durations.queue_entered_at IS 'When the session entered the queue: its first RoutingRequestCreated event; NULL when it was never offered.';
COMMENT ON COLUMN reporting.session_durations.interval_start IS 'Start of the 15-minute interval (reporting time zone) that holds queue_entered_at: the row of interval_kpis the session counts for (K-INTERVAL); NULL when never offered.';
COMMENT ON COLUMN reporting.session_durations.created_s IS 'CREATED state: seconds from creation to the first routing request (M-CREATED).';
COMMENT ON COLUMN reporting.session_durations.in_queue_s IS 'IN_QUEUE state: seconds from the first routing request until an operator was first picked (M-IN_QUEUE).';
COMMENT ON COLUMN reporting.session_durations.waiting_s IS 'WAITING state: seconds from the first assignment to an operator until an operator first accepted (M-WAITING). Not the same as waited_s.';
COMMENT ON COLUMN reporting.session_durations.bcw_s IS 'BCW (before-chat work) state: seconds from start until the guest joined, only when positive (M-BCW).';
COMMENT ON COLUMN reporting.session_durations.active_s IS 'ACTIVE state: seconds of conversation, mluvii''s session length (M-ACTIVE).';
COMMENT ON COLUMN reporting.session_durations.acw_s IS 'ACW (after-call work) state: seconds from the last operator leaving to the last operator concluding (M-ACW).';
COMMENT ON COLUMN reporting.session_durations.ring_s IS 'Seconds from creation until the guest joined (ringing); NULL for Preview campaigns (M-RING).';
COMMENT ON COLUMN reporting.session_durations.waited_s IS 'mluvii''s own "waited" figure in seconds, as the API reports it (M-WAITED); not a state of ours: for time in queue use in_queue_s, waiting_s or answer_s.';
COMMENT ON COLUMN reporting.session_durations.answer_s IS 'Seconds from the first routing request to the first acceptance by an operator: speed of answer (K-ANSWER).';
COMMENT ON COLUMN reporting.session_durations.handle_s IS 'Handle time: active_s + acw_s, when both are known (K-HANDLE).';
COMMENT ON COLUMN reporting.session_durations.abandon_wait_s IS 'For an abandoned session: seconds from entering the queue until it ended, i.e. how long the guest waited before giving up (K-ABANDON-WAIT); NULL otherwise.';
COMMENT ON COLUMN reporting.session_durations.is_offered IS 'True when the session was offered to operators, i.e. had a routing request (K-OFFERED).';
COMMENT ON COLUMN reporting.session_durations.is_answered IS 'True when an offered session was accepted by an operator (K-ANSWERED).';
COMMENT ON COLUMN reporting.session_durations.is_abandoned IS 'True when an offered session is complete and no operator ever accepted it (K-ABANDONED).';
COMMENT ON COLUMN reporting.session_durations.is_short_abandoned IS 'True when an abandoned session''s abandon_wait_s is below SHORT_ABANDON_SECONDS (see report_settings): the guest left too quickly to have been served (K-SHORT-ABANDON).';
COMMENT ON COLUMN reporting.session_durations.is_answered_within_sl IS 'True when answered with answer_s at most the service-level threshold (SERVICE_LEVEL_SECONDS, see report_settings); counts towards service level (K-SL).';
COMMENT ON COLUMN reporting.session_durations.termination_reason IS 'Why the session ended, as mluvii reports it (e.g. GuestLeft, OperatorLeft).';
COMMENT ON COLUMN reporting.session_durations.guest_left_session IS 'In which state the guest left (e.g. LeftQueue, LeftSession).';
COMMENT ON COLUMN reporting.session_durations.auto_accepted IS 'True when the session was accepted automatically.';
COMMENT ON COLUMN reporting.session_durations.is_direct_chat IS 'True for a direct chat with a chosen operator.';
COMMENT ON COLUMN reporting.session_durations.skipped_states IS 'For a complete session, the states among CREATED, IN_QUEUE, WAITING, BCW, ACTIVE, ACW it did not pass through (empty when none); NULL while incomplete. A list: to filter on it in a BI tool use session_skipped_states.';
COMMENT ON COLUMN reporting.session_durations.quality_flags IS 'Data-quality notes for the session, e.g. negative_waiting (a formula came out negative and was left NULL), bad_length, never_completed. A list: to filter on it in a BI tool use session_flags.';
COMMENT ON COLUMN reporting.session_durations.is_complete IS 'True once the session is closed and every operator who left has concluded; incomplete sessions are loaded again by later runs (M-DONE).';

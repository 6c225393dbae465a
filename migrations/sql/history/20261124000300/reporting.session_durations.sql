CREATE VIEW reporting.session_durations AS
SELECT
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
  (s.created_at AT TIME ZONE st.report_tz)::date            AS created_day,
  extract(hour FROM s.created_at AT TIME ZONE st.report_tz)::integer AS created_hour,
  s.guest_joined_at,
  s.started_at,
  s.ended_at,
  s.created_s,
  s.in_queue_s,
  s.waiting_s,
  s.bcw_s,
  s.active_s,
  s.acw_s,
  s.ring_s,
  s.waited_s,
  s.answer_s,
  s.active_s + s.acw_s                                       AS handle_s,
  s.is_offered,
  s.is_offered AND s.is_answered                             AS is_answered,
  s.is_offered AND s.is_complete AND NOT s.is_answered       AS is_abandoned,
  coalesce(s.is_offered AND s.is_answered AND s.answer_s <= st.service_level_seconds, false) AS is_answered_within_sl,
  s.termination_reason,
  s.guest_left_session,
  s.auto_accepted,
  s.is_direct_chat,
  s.skipped_states,
  s.quality_flags,
  s.is_complete
FROM core.sessions s
CROSS JOIN etl.settings st;

COMMENT ON VIEW reporting.session_durations IS 'One row per mluvii session: when it happened, where it came from and how long it spent in each state (docs/metrics.md). Durations are seconds with millisecond precision; NULL means the session did not pass through the state or it cannot be known. No guest personal data.';
COMMENT ON COLUMN reporting.session_durations.session_id IS 'mluvii session id.';
COMMENT ON COLUMN reporting.session_durations.company_id IS 'mluvii company (tenant) id.';
COMMENT ON COLUMN reporting.session_durations.department_id IS 'Department the session was routed in (mluvii department id); NULL when mluvii did not say.';
COMMENT ON COLUMN reporting.session_durations.channel IS 'Channel at creation: Chat, AV (audio/video) or Phone; other values are kept as mluvii sent them.';
COMMENT ON COLUMN reporting.session_durations.source IS 'How the session started, e.g. Default (web widget), IncomingCall, OutgoingCall, Callback, Campaign, WhatsApp.';
COMMENT ON COLUMN reporting.session_durations.status IS 'Session status in mluvii, e.g. CLOSED.';
COMMENT ON COLUMN reporting.session_durations.campaign_id IS 'Outbound campaign id, for campaign sessions.';
COMMENT ON COLUMN reporting.session_durations.campaign_mode IS 'Mode of that campaign (e.g. Preview); NULL when none or unknown.';
COMMENT ON COLUMN reporting.session_durations.widget IS 'Name of the chat widget the guest entered through.';
COMMENT ON COLUMN reporting.session_durations.created_at IS 'When the session was created (the instant; shown in your BI tool''s time zone).';
COMMENT ON COLUMN reporting.session_durations.created_day IS 'Calendar day of created_at in the reporting time zone (REPORT_TZ, see report_settings): the day the session counts for in daily_kpis.';
COMMENT ON COLUMN reporting.session_durations.created_hour IS 'Hour of day (0–23) of created_at in the reporting time zone.';
COMMENT ON COLUMN reporting.session_durations.guest_joined_at IS 'When the guest joined.';
COMMENT ON COLUMN reporting.session_durations.started_at IS 'When the session started (an operator or bot took it).';
COMMENT ON COLUMN reporting.session_durations.ended_at IS 'When the session ended.';
COMMENT ON COLUMN reporting.session_durations.created_s IS 'CREATED state: seconds from creation to the first routing request (M-CREATED).';
COMMENT ON COLUMN reporting.session_durations.in_queue_s IS 'IN_QUEUE state: seconds from the first routing request until an operator was first picked (M-IN_QUEUE).';
COMMENT ON COLUMN reporting.session_durations.waiting_s IS 'WAITING state: seconds from the first assignment to an operator until an operator first accepted (M-WAITING).';
COMMENT ON COLUMN reporting.session_durations.bcw_s IS 'BCW (before-chat work) state: seconds from start until the guest joined, only when positive (M-BCW).';
COMMENT ON COLUMN reporting.session_durations.active_s IS 'ACTIVE state: seconds of conversation, mluvii''s session length (M-ACTIVE).';
COMMENT ON COLUMN reporting.session_durations.acw_s IS 'ACW (after-call work) state: seconds from the last operator leaving to the last operator concluding (M-ACW).';
COMMENT ON COLUMN reporting.session_durations.ring_s IS 'Seconds from creation until the guest joined (ringing); NULL for Preview campaigns (M-RING).';
COMMENT ON COLUMN reporting.session_durations.waited_s IS 'mluvii''s own "waited" figure, in seconds (M-WAITED).';
COMMENT ON COLUMN reporting.session_durations.answer_s IS 'Seconds from the first routing request to the first acceptance by an operator: speed of answer (K-ANSWER).';
COMMENT ON COLUMN reporting.session_durations.handle_s IS 'Handle time: active_s + acw_s, when both are known (K-HANDLE).';
COMMENT ON COLUMN reporting.session_durations.is_offered IS 'True when the session was offered to operators, i.e. had a routing request (K-OFFERED).';
COMMENT ON COLUMN reporting.session_durations.is_answered IS 'True when an offered session was accepted by an operator (K-ANSWERED).';
COMMENT ON COLUMN reporting.session_durations.is_abandoned IS 'True when an offered session is complete and no operator ever accepted it (K-ABANDONED).';
COMMENT ON COLUMN reporting.session_durations.is_answered_within_sl IS 'True when answered with answer_s at most the service-level threshold (SERVICE_LEVEL_SECONDS, see report_settings); counts towards service level (K-SL).';
COMMENT ON COLUMN reporting.session_durations.termination_reason IS 'Why the session ended, as mluvii reports it (e.g. GuestLeft, OperatorLeft).';
COMMENT ON COLUMN reporting.session_durations.guest_left_session IS 'In which state the guest left (e.g. LeftQueue, LeftSession).';
COMMENT ON COLUMN reporting.session_durations.auto_accepted IS 'True when the session was accepted automatically.';
COMMENT ON COLUMN reporting.session_durations.is_direct_chat IS 'True for a direct chat with a chosen operator.';
COMMENT ON COLUMN reporting.session_durations.skipped_states IS 'For a complete session, the states among CREATED, IN_QUEUE, WAITING, BCW, ACTIVE, ACW it did not pass through (empty when none); NULL while incomplete.';
COMMENT ON COLUMN reporting.session_durations.quality_flags IS 'Data-quality notes for the session, e.g. negative_waiting (a formula came out negative and was left NULL), bad_length, never_completed.';
COMMENT ON COLUMN reporting.session_durations.is_complete IS 'True once the session is closed and every operator who left has concluded; incomplete sessions are loaded again by later runs (M-DONE).';

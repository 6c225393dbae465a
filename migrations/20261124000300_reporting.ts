import type { Knex } from 'knex';

/**
 * The reporting layer (docs/reporting.md, docs/metrics.md "Daily KPIs").
 *
 * - `etl.settings`: the one row holding REPORT_TZ and SERVICE_LEVEL_SECONDS as the database sees
 *   them. `syncReportingSettings` (src/load/reporting-settings.ts) keeps it in step with the
 *   configuration at the start of every command, so nobody edits SQL to change either.
 * - `core.daily_kpis_for_days` / `core.operator_daily_for_days`: the K-rules, computed straight
 *   from core for a range of REPORT_TZ days. This is the one place the KPI definitions live.
 * - `core.daily_kpis_summary` / `core.operator_daily_summary`: the same rows, stored. Plain views
 *   over core cannot answer 90 days of a million-session warehouse in well under a second
 *   (bench/views.ts), so every load refreshes the days it touched in its own transaction
 *   (`core.refresh_reporting_summaries`), and analysts never see numbers older than the last load.
 * - `reporting.*`: the views BI tools read, every view and column with a COMMENT. The reader role
 *   (src/load/reader-role.ts) can read this schema and nothing else; the views run with their
 *   owner's rights, so they are the only way into core, and they carry no guest personal data.
 *
 * A later fix of a KPI definition is a new migration that replaces the *_for_days function and
 * calls `core.rebuild_reporting_summaries()`.
 */

/** A lock key of our own for the summary tables: two loads refreshing one day never interleave. */
const SUMMARY_LOCK = 'pg_advisory_xact_lock(1835824502, 300)';

const SETTINGS_AND_SUMMARIES = `
-- ─── Settings ──────────────────────────────────────────────────────────────────────────────────
CREATE TABLE etl.settings (
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  report_tz             text NOT NULL DEFAULT 'Europe/Prague',
  service_level_seconds numeric NOT NULL DEFAULT 20 CHECK (service_level_seconds > 0),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE etl.settings IS
  'The reporting settings the views use, kept in step with REPORT_TZ and SERVICE_LEVEL_SECONDS by every command (syncReportingSettings).';
INSERT INTO etl.settings DEFAULT VALUES;

-- ─── KPI definitions (docs/metrics.md, K-rules) ─────────────────────────────────────────────────────
-- One row per REPORT_TZ day × department × channel, for the days p_first_day … p_last_day.
-- A session belongs to the day of its created_at in REPORT_TZ. The created_at bounds (one day
-- of margin either side) only let the index on created_at find the rows; the day test decides,
-- so a DST change at local midnight can never drop a session.
-- Percentiles are percentile_cont (linear interpolation); averages and percentiles ignore NULLs.
CREATE FUNCTION core.daily_kpis_for_days(p_first_day date, p_last_day date)
RETURNS TABLE (
  day                   date,
  department_id         bigint,
  channel               text,
  sessions              bigint,
  offered               bigint,
  answered              bigint,
  abandoned             bigint,
  answered_within_sl    bigint,
  service_level_seconds numeric,
  count_in_queue_s bigint, sum_in_queue_s numeric, p50_in_queue_s numeric, p90_in_queue_s numeric,
  count_waiting_s  bigint, sum_waiting_s  numeric, p50_waiting_s  numeric, p90_waiting_s  numeric,
  count_answer_s   bigint, sum_answer_s   numeric, p50_answer_s   numeric, p90_answer_s   numeric,
  count_active_s   bigint, sum_active_s   numeric, p50_active_s   numeric, p90_active_s   numeric,
  count_acw_s      bigint, sum_acw_s      numeric, p50_acw_s      numeric, p90_acw_s      numeric,
  count_handle_s   bigint, sum_handle_s   numeric, p50_handle_s   numeric, p90_handle_s   numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    s.day,
    s.department_id,
    s.channel,
    count(*)                                   AS sessions,
    count(*) FILTER (WHERE s.is_offered)       AS offered,            -- K-OFFERED
    count(*) FILTER (WHERE s.is_answered)      AS answered,           -- K-ANSWERED
    count(*) FILTER (WHERE s.is_abandoned)     AS abandoned,          -- K-ABANDONED
    count(*) FILTER (WHERE s.is_answered AND s.answer_s <= s.service_level_seconds)
                                               AS answered_within_sl, -- K-SL numerator
    s.service_level_seconds,
    -- K-AVG: count and sum (for averages over any grouping) and p50/p90 of each duration
    count(s.in_queue_s), sum(s.in_queue_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3),
    count(s.waiting_s), sum(s.waiting_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.waiting_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.waiting_s)::numeric, 3),
    count(s.answer_s), sum(s.answer_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.answer_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.answer_s)::numeric, 3),
    count(s.active_s), sum(s.active_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.active_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.active_s)::numeric, 3),
    count(s.acw_s), sum(s.acw_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.acw_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.acw_s)::numeric, 3),
    count(s.handle_s), sum(s.handle_s),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.handle_s)::numeric, 3),
      round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.handle_s)::numeric, 3)
  FROM (
    SELECT
      (cs.created_at AT TIME ZONE st.report_tz)::date             AS day,
      cs.department_id,
      cs.channel,
      cs.is_offered,
      cs.is_offered AND cs.is_answered                            AS is_answered,
      cs.is_offered AND cs.is_complete AND NOT cs.is_answered     AS is_abandoned,
      cs.in_queue_s,
      cs.waiting_s,
      cs.answer_s,                                                -- K-ANSWER
      cs.active_s,
      cs.acw_s,
      cs.active_s + cs.acw_s                                      AS handle_s, -- K-HANDLE
      st.service_level_seconds
    FROM core.sessions cs
    CROSS JOIN etl.settings st
    WHERE cs.created_at >= (SELECT (p_first_day::timestamp AT TIME ZONE report_tz) - interval '1 day' FROM etl.settings)
      AND cs.created_at <  (SELECT ((p_last_day + 1)::timestamp AT TIME ZONE report_tz) + interval '1 day' FROM etl.settings)
  ) s
  WHERE s.day BETWEEN p_first_day AND p_last_day
  GROUP BY s.day, s.department_id, s.channel, s.service_level_seconds
$$;

-- One row per REPORT_TZ day × operator (docs/metrics.md, per operator and day). An operator's row of
-- a session belongs to the day of the session's created_at, like every other KPI.
CREATE FUNCTION core.operator_daily_for_days(p_first_day date, p_last_day date)
RETURNS TABLE (
  day            date,
  user_id        bigint,
  name_seen      text,
  session_rows   bigint,
  sessions       bigint,
  offers         bigint,
  missed         bigint,
  count_queue_s  bigint,
  sum_queue_s    numeric,
  count_active_s bigint,
  sum_active_s   numeric,
  count_acw_s    bigint,
  sum_acw_s      numeric
)
LANGUAGE sql STABLE
AS $$
  SELECT
    o.day,
    o.user_id,
    -- the operator's name as the day's latest session gave it (core.operators is preferred by the view)
    (array_agg(o.name ORDER BY o.created_at DESC) FILTER (WHERE o.name IS NOT NULL))[1],
    count(*)                                     AS session_rows,
    count(*) FILTER (WHERE o.joined_at IS NOT NULL) AS sessions,
    sum(o.offers)                                AS offers,
    sum(o.missed)                                AS missed,
    count(o.queue_s),  sum(o.queue_s),
    count(o.active_s), sum(o.active_s),
    count(o.acw_s),    sum(o.acw_s)
  FROM (
    SELECT
      (cs.created_at AT TIME ZONE st.report_tz)::date AS day,
      cs.created_at,
      so.user_id,
      coalesce(nullif(btrim(concat_ws(' ', so.first_name, so.last_name)), ''), so.user_name) AS name,
      so.joined_at,
      so.offers,
      so.missed,
      so.queue_s,
      so.active_s,
      so.acw_s
    FROM core.sessions cs
    JOIN core.session_operators so ON so.session_id = cs.session_id
    CROSS JOIN etl.settings st
    WHERE cs.created_at >= (SELECT (p_first_day::timestamp AT TIME ZONE report_tz) - interval '1 day' FROM etl.settings)
      AND cs.created_at <  (SELECT ((p_last_day + 1)::timestamp AT TIME ZONE report_tz) + interval '1 day' FROM etl.settings)
  ) o
  WHERE o.day BETWEEN p_first_day AND p_last_day
  GROUP BY o.day, o.user_id
$$;

-- ─── Summary tables: the rows of the functions above, stored ───────────────────────────────────
CREATE TABLE core.daily_kpis_summary AS
  SELECT * FROM core.daily_kpis_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.daily_kpis_summary ALTER COLUMN day SET NOT NULL;
CREATE INDEX daily_kpis_summary_day ON core.daily_kpis_summary (day);
COMMENT ON TABLE core.daily_kpis_summary IS
  'Stored rows of core.daily_kpis_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.daily_kpis.';

CREATE TABLE core.operator_daily_summary AS
  SELECT * FROM core.operator_daily_for_days('2000-01-01', '2000-01-01') WITH NO DATA;
ALTER TABLE core.operator_daily_summary ADD PRIMARY KEY (day, user_id);
COMMENT ON TABLE core.operator_daily_summary IS
  'Stored rows of core.operator_daily_for_days; refreshed per day by every load (core.refresh_reporting_summaries). Read through reporting.operator_daily.';

-- Recomputes the summary rows of the REPORT_TZ days p_first_day … p_last_day from core.
-- force_custom_plan: plan with the actual days, so one day is an index range scan.
CREATE FUNCTION core.refresh_reporting_days(p_first_day date, p_last_day date) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
  PERFORM ${SUMMARY_LOCK};
  DELETE FROM core.daily_kpis_summary WHERE day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.daily_kpis_summary SELECT * FROM core.daily_kpis_for_days(p_first_day, p_last_day);
  DELETE FROM core.operator_daily_summary WHERE day BETWEEN p_first_day AND p_last_day;
  INSERT INTO core.operator_daily_summary SELECT * FROM core.operator_daily_for_days(p_first_day, p_last_day);
END;
$$;

-- Recomputes every REPORT_TZ day that overlaps the half-open created_at range [p_from, p_to);
-- an empty range (p_from = p_to) means the day of p_from. Loads call it in their transaction.
CREATE FUNCTION core.refresh_reporting_summaries(p_from timestamptz, p_to timestamptz) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_tz text;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
    RAISE EXCEPTION 'refresh_reporting_summaries: not a created_at range: [%, %)', p_from, p_to;
  END IF;
  -- Lock before reading the time zone: a concurrent settings change then either finished first
  -- (and we bucket with the new zone) or rebuilds everything after us.
  PERFORM ${SUMMARY_LOCK};
  SELECT report_tz INTO STRICT v_tz FROM etl.settings;
  PERFORM core.refresh_reporting_days(
    (p_from AT TIME ZONE v_tz)::date,
    -- the last instant inside the range (timestamptz has microsecond resolution)
    ((CASE WHEN p_to > p_from THEN p_to - interval '1 microsecond' ELSE p_from END) AT TIME ZONE v_tz)::date);
END;
$$;

-- Recomputes every summary row (after a REPORT_TZ or SERVICE_LEVEL_SECONDS change).
CREATE FUNCTION core.rebuild_reporting_summaries() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_first date;
  v_last  date;
BEGIN
  PERFORM ${SUMMARY_LOCK};
  DELETE FROM core.daily_kpis_summary;
  DELETE FROM core.operator_daily_summary;
  SELECT ((SELECT min(created_at) FROM core.sessions) AT TIME ZONE report_tz)::date,
         ((SELECT max(created_at) FROM core.sessions) AT TIME ZONE report_tz)::date
    INTO v_first, v_last
    FROM etl.settings;
  IF v_first IS NOT NULL THEN
    PERFORM core.refresh_reporting_days(v_first, v_last);
  END IF;
END;
$$;

-- Only the ETL's own user calls these (PUBLIC gets EXECUTE on new functions by default).
REVOKE ALL ON FUNCTION core.daily_kpis_for_days(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.operator_daily_for_days(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.refresh_reporting_days(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.refresh_reporting_summaries(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.rebuild_reporting_summaries() FROM PUBLIC;
`;

/** A reporting view: its SQL, what it is, and what every column means (Metabase shows both). */
interface ViewSpec {
  name: string;
  comment: string;
  sql: string;
  columns: Record<string, string>;
}

/** The operator's display name: "First Last", else the user name. */
const OPERATOR_NAME = `coalesce(nullif(btrim(concat_ws(' ', op.first_name, op.last_name)), ''), op.user_name)`;

const VIEWS: ViewSpec[] = [
  {
    name: 'session_durations',
    comment:
      'One row per mluvii session: when it happened, where it came from and how long it spent in each state (docs/metrics.md). Durations are seconds with millisecond precision; NULL means the session did not pass through the state or it cannot be known. No guest personal data.',
    sql: `
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
CROSS JOIN etl.settings st`,
    columns: {
      session_id: 'mluvii session id.',
      company_id: 'mluvii company (tenant) id.',
      department_id: 'Department the session was routed in (mluvii department id); NULL when mluvii did not say.',
      channel: 'Channel at creation: Chat, AV (audio/video) or Phone; other values are kept as mluvii sent them.',
      source: 'How the session started, e.g. Default (web widget), IncomingCall, OutgoingCall, Callback, Campaign, WhatsApp.',
      status: 'Session status in mluvii, e.g. CLOSED.',
      campaign_id: 'Outbound campaign id, for campaign sessions.',
      campaign_mode: 'Mode of that campaign (e.g. Preview); NULL when none or unknown.',
      widget: 'Name of the chat widget the guest entered through.',
      created_at: 'When the session was created (the instant; shown in your BI tool\'s time zone).',
      created_day: 'Calendar day of created_at in the reporting time zone (REPORT_TZ, see report_settings): the day the session counts for in daily_kpis.',
      created_hour: 'Hour of day (0–23) of created_at in the reporting time zone.',
      guest_joined_at: 'When the guest joined.',
      started_at: 'When the session started (an operator or bot took it).',
      ended_at: 'When the session ended.',
      created_s: 'CREATED state: seconds from creation to the first routing request (M-CREATED).',
      in_queue_s: 'IN_QUEUE state: seconds from the first routing request until an operator was first picked (M-IN_QUEUE).',
      waiting_s: 'WAITING state: seconds from the first assignment to an operator until an operator first accepted (M-WAITING).',
      bcw_s: 'BCW (before-chat work) state: seconds from start until the guest joined, only when positive (M-BCW).',
      active_s: 'ACTIVE state: seconds of conversation, mluvii\'s session length (M-ACTIVE).',
      acw_s: 'ACW (after-call work) state: seconds from the last operator leaving to the last operator concluding (M-ACW).',
      ring_s: 'Seconds from creation until the guest joined (ringing); NULL for Preview campaigns (M-RING).',
      waited_s: 'mluvii\'s own "waited" figure, in seconds (M-WAITED).',
      answer_s: 'Seconds from the first routing request to the first acceptance by an operator: speed of answer (K-ANSWER).',
      handle_s: 'Handle time: active_s + acw_s, when both are known (K-HANDLE).',
      is_offered: 'True when the session was offered to operators, i.e. had a routing request (K-OFFERED).',
      is_answered: 'True when an offered session was accepted by an operator (K-ANSWERED).',
      is_abandoned: 'True when an offered session is complete and no operator ever accepted it (K-ABANDONED).',
      is_answered_within_sl: 'True when answered with answer_s at most the service-level threshold (SERVICE_LEVEL_SECONDS, see report_settings); counts towards service level (K-SL).',
      termination_reason: 'Why the session ended, as mluvii reports it (e.g. GuestLeft, OperatorLeft).',
      guest_left_session: 'In which state the guest left (e.g. LeftQueue, LeftSession).',
      auto_accepted: 'True when the session was accepted automatically.',
      is_direct_chat: 'True for a direct chat with a chosen operator.',
      skipped_states: 'For a complete session, the states among CREATED, IN_QUEUE, WAITING, BCW, ACTIVE, ACW it did not pass through (empty when none); NULL while incomplete.',
      quality_flags: 'Data-quality notes for the session, e.g. negative_waiting (a formula came out negative and was left NULL), bad_length, never_completed.',
      is_complete: 'True once the session is closed and every operator who left has concluded; incomplete sessions are loaded again by later runs (M-DONE).',
    },
  },
  {
    name: 'operator_sessions',
    comment:
      'One row per session × operator (docs/metrics.md "Per operator"), including operators who were offered the session but never joined (joined_at NULL). An operator with several stints in a session has one row: earliest join, latest leave and conclusion, summed durations.',
    sql: `
SELECT
  so.session_id,
  so.user_id,
  coalesce(${OPERATOR_NAME},
           nullif(btrim(concat_ws(' ', so.first_name, so.last_name)), ''), so.user_name) AS operator_name,
  s.created_at,
  (s.created_at AT TIME ZONE st.report_tz)::date AS created_day,
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
JOIN core.sessions s ON s.session_id = so.session_id
LEFT JOIN core.operators op ON op.user_id = so.user_id
CROSS JOIN etl.settings st`,
    columns: {
      session_id: 'mluvii session id (see session_durations).',
      user_id: 'mluvii user id of the operator.',
      operator_name: 'Operator\'s name: first and last name, else user name (current name from mluvii, else as seen in the session).',
      created_at: 'When the session was created.',
      created_day: 'Day of the session\'s created_at in the reporting time zone: the day this row counts for in operator_daily.',
      department_id: 'Department of the session.',
      channel: 'Channel of the session (Chat, AV, Phone).',
      joined_at: 'When the operator first joined the session; NULL when they were offered it but never joined.',
      left_at: 'When the operator last left the session.',
      concluded_at: 'When the operator last concluded (finished after-call work on) the session.',
      stints: 'How many times the operator joined the session (0 when only offered).',
      queue_s: 'Seconds from the first assignment of the session to this operator until this operator accepted it; NULL when never assigned or never accepted (M-OP-QUEUE).',
      active_s: 'Seconds this operator was in contact with the guest (left − joined, summed over stints) (M-OP-ACTIVE).',
      acw_s: 'Seconds of this operator\'s after-call work (concluded − left, summed over stints) (M-OP-ACW).',
      offers: 'How many times the session was assigned (offered) to this operator (M-OP-OFFERS).',
      missed: 'How many of those offers timed out without the operator accepting (M-OP-MISSED).',
    },
  },
  {
    name: 'session_states',
    comment:
      'The six session states in long form: one row per session and state it passed through (states with a NULL duration are left out). Handy for stacked charts of where time goes.',
    sql: `
SELECT
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
FROM core.session_states ss`,
    columns: {
      session_id: 'mluvii session id (see session_durations).',
      state: 'State: CREATED, IN_QUEUE, WAITING, BCW, ACTIVE or ACW (docs/metrics.md).',
      state_order: 'Position of the state in a session\'s life, 1 (CREATED) to 6 (ACW): sort by it.',
      duration_s: 'Seconds the session spent in the state (never NULL here, may be 0).',
    },
  },
  {
    name: 'routing_events',
    comment:
      'One row per routing event of a session (routing requests, assignments to operators, acceptances, timeouts, forwards), in time order.',
    sql: `
SELECT
  re.session_id,
  re.seq,
  re.event_at,
  re.activity_type,
  re.routing_request_id,
  re.group_id,
  re.group_name,
  re.operator_user_id,
  ${OPERATOR_NAME} AS operator_name,
  re.forwarded_by_user_id,
  re.invited_by_user_id
FROM core.routing_events re
LEFT JOIN core.operators op ON op.user_id = re.operator_user_id`,
    columns: {
      session_id: 'mluvii session id (see session_durations).',
      seq: 'Position of the event in the session\'s routing history, from 1, sorted by time (ties keep mluvii\'s order).',
      event_at: 'When the event happened.',
      activity_type: 'What happened, e.g. RoutingRequestCreated, AssignedToOperator, AcceptedByOperator, OperatorTimeoutExpired.',
      routing_request_id: 'The routing request the event belongs to.',
      group_id: 'Operator group the request was routed to.',
      group_name: 'Name of that group.',
      operator_user_id: 'Operator the event concerns (assigned, accepted, timed out …).',
      operator_name: 'That operator\'s name, when known.',
      forwarded_by_user_id: 'Operator who forwarded the session, for forwards.',
      invited_by_user_id: 'Operator who invited, for invitations.',
    },
  },
  {
    name: 'daily_kpis',
    comment:
      'Contact-center KPIs per day (in the reporting time zone) × department × channel, by the K-rules of docs/metrics.md. A session counts for the day of its created_at. Averages and percentiles ignore NULLs; percentiles are percentile_cont (linearly interpolated). To roll up over several rows, add the counts and use sum(sum_x)/sum(count_x) for averages and sum(answered_within_sl)/sum(answered + abandoned) for service level; percentiles cannot be rolled up.',
    sql: `
SELECT
  k.day,
  k.department_id,
  k.channel,
  k.sessions,
  k.offered,
  k.answered,
  k.abandoned,
  k.answered_within_sl,
  round(k.answered_within_sl::numeric / nullif(k.answered + k.abandoned, 0), 4) AS service_level,
  k.service_level_seconds,
  round(k.sum_in_queue_s / nullif(k.count_in_queue_s, 0), 3) AS avg_in_queue_s,
  k.p50_in_queue_s,
  k.p90_in_queue_s,
  round(k.sum_waiting_s / nullif(k.count_waiting_s, 0), 3)   AS avg_waiting_s,
  k.p50_waiting_s,
  k.p90_waiting_s,
  round(k.sum_answer_s / nullif(k.count_answer_s, 0), 3)     AS avg_answer_s,
  k.p50_answer_s,
  k.p90_answer_s,
  round(k.sum_active_s / nullif(k.count_active_s, 0), 3)     AS avg_active_s,
  k.p50_active_s,
  k.p90_active_s,
  round(k.sum_acw_s / nullif(k.count_acw_s, 0), 3)           AS avg_acw_s,
  k.p50_acw_s,
  k.p90_acw_s,
  round(k.sum_handle_s / nullif(k.count_handle_s, 0), 3)     AS avg_handle_s,
  k.p50_handle_s,
  k.p90_handle_s,
  k.count_in_queue_s, k.sum_in_queue_s,
  k.count_waiting_s,  k.sum_waiting_s,
  k.count_answer_s,   k.sum_answer_s,
  k.count_active_s,   k.sum_active_s,
  k.count_acw_s,      k.sum_acw_s,
  k.count_handle_s,   k.sum_handle_s
FROM core.daily_kpis_summary k`,
    columns: {
      day: 'Calendar day in the reporting time zone (REPORT_TZ, see report_settings); a session counts for the day it was created.',
      department_id: 'Department (mluvii department id); NULL for sessions without one.',
      channel: 'Channel: Chat, AV (audio/video) or Phone; NULL when unknown.',
      sessions: 'All sessions created that day, offered or not (outbound and direct sessions included).',
      offered: 'Sessions offered to operators: they had a routing request (K-OFFERED).',
      answered: 'Offered sessions that an operator accepted (K-ANSWERED).',
      abandoned: 'Offered sessions that are complete and that no operator ever accepted: the guest gave up in queue (K-ABANDONED).',
      answered_within_sl: 'Answered sessions whose speed of answer (answer_s) was at most service_level_seconds (K-SL numerator).',
      service_level: 'Service level as a fraction 0–1 (4 decimals): answered_within_sl / (answered + abandoned); NULL when both are 0 (K-SL).',
      service_level_seconds: 'The service-level threshold in seconds these numbers use (SERVICE_LEVEL_SECONDS).',
      avg_in_queue_s: 'Average seconds in queue (IN_QUEUE state), over sessions where it is known.',
      p50_in_queue_s: 'Median seconds in queue (percentile_cont 0.5).',
      p90_in_queue_s: '90th percentile of seconds in queue (percentile_cont 0.9): 9 in 10 guests waited at most this long.',
      avg_waiting_s: 'Average seconds from assignment to an operator until acceptance (WAITING state).',
      p50_waiting_s: 'Median of the WAITING state, seconds (percentile_cont 0.5).',
      p90_waiting_s: '90th percentile of the WAITING state, seconds (percentile_cont 0.9).',
      avg_answer_s: 'Average speed of answer: seconds from the first routing request to the first acceptance (K-ANSWER).',
      p50_answer_s: 'Median speed of answer, seconds (percentile_cont 0.5).',
      p90_answer_s: '90th percentile of speed of answer, seconds (percentile_cont 0.9).',
      avg_active_s: 'Average conversation length (ACTIVE state), seconds.',
      p50_active_s: 'Median conversation length, seconds (percentile_cont 0.5).',
      p90_active_s: '90th percentile of conversation length, seconds (percentile_cont 0.9).',
      avg_acw_s: 'Average after-call work (ACW state), seconds.',
      p50_acw_s: 'Median after-call work, seconds (percentile_cont 0.5).',
      p90_acw_s: '90th percentile of after-call work, seconds (percentile_cont 0.9).',
      avg_handle_s: 'Average handle time (active + after-call work, sessions where both are known), seconds (K-HANDLE).',
      p50_handle_s: 'Median handle time, seconds (percentile_cont 0.5).',
      p90_handle_s: '90th percentile of handle time, seconds (percentile_cont 0.9).',
      count_in_queue_s: 'Number of sessions with a known in-queue time (the denominator of avg_in_queue_s).',
      sum_in_queue_s: 'Total seconds in queue, for averages over several rows: sum(sum_in_queue_s) / sum(count_in_queue_s).',
      count_waiting_s: 'Number of sessions with a known WAITING time.',
      sum_waiting_s: 'Total seconds in the WAITING state.',
      count_answer_s: 'Number of sessions with a known speed of answer.',
      sum_answer_s: 'Total speed-of-answer seconds.',
      count_active_s: 'Number of sessions with a known conversation length.',
      sum_active_s: 'Total conversation seconds.',
      count_acw_s: 'Number of sessions with a known after-call work time.',
      sum_acw_s: 'Total after-call work seconds.',
      count_handle_s: 'Number of sessions with a known handle time.',
      sum_handle_s: 'Total handle-time seconds.',
    },
  },
  {
    name: 'operator_daily',
    comment:
      'Per operator and day (reporting time zone): sessions handled, offers, missed offers, queue time, conversation time and after-call work. An operator\'s session counts for the day the session was created (like daily_kpis), even when they worked on it after midnight.',
    sql: `
SELECT
  d.day,
  d.user_id,
  coalesce(${OPERATOR_NAME}, d.name_seen) AS operator_name,
  d.sessions,
  d.offers,
  d.missed,
  round(d.sum_queue_s / nullif(d.count_queue_s, 0), 3)   AS avg_queue_s,
  d.sum_active_s,
  round(d.sum_active_s / nullif(d.count_active_s, 0), 3) AS avg_active_s,
  d.sum_acw_s,
  round(d.sum_acw_s / nullif(d.count_acw_s, 0), 3)       AS avg_acw_s,
  d.session_rows,
  d.count_queue_s,
  d.sum_queue_s,
  d.count_active_s,
  d.count_acw_s
FROM core.operator_daily_summary d
LEFT JOIN core.operators op ON op.user_id = d.user_id`,
    columns: {
      day: 'Calendar day in the reporting time zone: the day the sessions were created.',
      user_id: 'mluvii user id of the operator.',
      operator_name: 'Operator\'s name: first and last name, else user name.',
      sessions: 'Sessions the operator joined (handled) that day.',
      offers: 'Times sessions were assigned (offered) to the operator (M-OP-OFFERS).',
      missed: 'Offers that timed out without the operator accepting (M-OP-MISSED).',
      avg_queue_s: 'Average seconds from assignment to this operator until they accepted (M-OP-QUEUE), over sessions where it is known.',
      sum_active_s: 'Total seconds in contact with guests (M-OP-ACTIVE); NULL when not known for any session.',
      avg_active_s: 'Average seconds in contact with the guest per session where it is known.',
      sum_acw_s: 'Total seconds of after-call work (M-OP-ACW); NULL when not known for any session.',
      avg_acw_s: 'Average seconds of after-call work per session where it is known.',
      session_rows: 'All sessions the operator appears in that day, including offers they never joined.',
      count_queue_s: 'Number of sessions with a known queue time (denominator of avg_queue_s).',
      sum_queue_s: 'Total queue seconds, for averages over several days: sum(sum_queue_s) / sum(count_queue_s).',
      count_active_s: 'Number of sessions with a known contact time (denominator of avg_active_s).',
      count_acw_s: 'Number of sessions with a known after-call work time (denominator of avg_acw_s).',
    },
  },
  {
    name: 'report_settings',
    comment: 'The settings the reporting views use: the reporting time zone of every "day" and the service-level threshold. One row.',
    sql: `
SELECT
  st.report_tz,
  st.service_level_seconds,
  st.updated_at
FROM etl.settings st`,
    columns: {
      report_tz: 'Time zone of every day and hour in the reporting views (REPORT_TZ).',
      service_level_seconds: 'Service-level threshold in seconds: an answer within this counts as within service level (SERVICE_LEVEL_SECONDS).',
      updated_at: 'When these settings last changed.',
    },
  },
];

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

function viewDdl(v: ViewSpec): string {
  const comments = Object.entries(v.columns).map(
    ([column, text]) => `COMMENT ON COLUMN reporting.${v.name}.${column} IS ${quote(text)};`,
  );
  return [
    `CREATE VIEW reporting.${v.name} AS${v.sql};`,
    `COMMENT ON VIEW reporting.${v.name} IS ${quote(v.comment)};`,
    ...comments,
  ].join('\n');
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(SETTINGS_AND_SUMMARIES);
  await knex.raw(VIEWS.map(viewDdl).join('\n\n'));
  // A database that already holds sessions gets its summaries now.
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ${VIEWS.map((v) => `DROP VIEW IF EXISTS reporting.${v.name};`).join('\n    ')}
    DROP FUNCTION IF EXISTS core.rebuild_reporting_summaries();
    DROP FUNCTION IF EXISTS core.refresh_reporting_summaries(timestamptz, timestamptz);
    DROP FUNCTION IF EXISTS core.refresh_reporting_days(date, date);
    DROP TABLE IF EXISTS core.operator_daily_summary;
    DROP TABLE IF EXISTS core.daily_kpis_summary;
    DROP FUNCTION IF EXISTS core.operator_daily_for_days(date, date);
    DROP FUNCTION IF EXISTS core.daily_kpis_for_days(date, date);
    DROP TABLE IF EXISTS etl.settings;
  `);
}

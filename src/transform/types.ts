/**
 * What the transform produces for one session: the rows the loader writes to `core`.
 * Instants are the original ISO 8601 strings (Postgres parses them into timestamptz, keeping
 * microseconds); durations are seconds rounded to milliseconds (M-0.1), or null (M-0.2).
 */

export const STATES = ['CREATED', 'IN_QUEUE', 'WAITING', 'BCW', 'ACTIVE', 'ACW'] as const;
export type SessionState = (typeof STATES)[number];

export interface SessionRow {
  session_id: number;
  company_id: number | null;
  department_id: number | null;
  channel: string | null;
  source: string | null;
  status: string | null;
  campaign_id: number | null;
  campaign_mode: string | null;
  guest_left_session: string | null;
  termination_reason: string | null;
  auto_accepted: boolean | null;
  is_direct_chat: boolean | null;
  widget: string | null;
  created_at: string;
  guest_joined_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  first_routing_at: string | null;
  first_assigned_at: string | null;
  first_accepted_at: string | null;
  created_s: number | null;
  in_queue_s: number | null;
  waiting_s: number | null;
  bcw_s: number | null;
  active_s: number | null;
  acw_s: number | null;
  ring_s: number | null;
  waited_s: number | null;
  /** K-ANSWER: first AcceptedByOperator − first RoutingRequestCreated. */
  answer_s: number | null;
  /** K-OFFERED: has a RoutingRequestCreated event. */
  is_offered: boolean;
  /** Has an AcceptedByOperator event, offered or not (K-ANSWERED is is_offered AND is_accepted). */
  is_accepted: boolean;
  /** NULL for an incomplete session (docs/metrics.md). */
  skipped_states: SessionState[] | null;
  quality_flags: string[];
  is_complete: boolean;
}

export interface SessionStateRow {
  session_id: number;
  state: SessionState;
  duration_s: number;
}

export interface SessionOperatorRow {
  session_id: number;
  user_id: number;
  user_name: string | null;
  first_name: string | null;
  last_name: string | null;
  joined_at: string | null;
  left_at: string | null;
  concluded_at: string | null;
  /** How many entries of operators[] this user had (0 when seen only in the routing history). */
  stints: number;
  queue_s: number | null;
  active_s: number | null;
  acw_s: number | null;
  offers: number;
  missed: number;
}

export interface RoutingEventRow {
  session_id: number;
  /** 1-based position after the stable sort of M-0.5. */
  seq: number;
  routing_request_id: number | null;
  event_at: string | null;
  activity_type: string | null;
  group_id: number | null;
  group_name: string | null;
  operator_user_id: number | null;
  forwarded_by_user_id: number | null;
  invited_by_user_id: number | null;
}

/** What the payload says about a recording or shared file (the downloader adds its own states). */
export type SessionFileState = 'available' | 'processing' | 'failed' | 'gone';

/** One recording (`recording:<id>`) or shared file (`file:<activity id>`) of a session. */
export interface SessionFileRow {
  session_id: number;
  file_key: string;
  kind: 'recording' | 'file';
  name: string | null;
  user_id: number | null;
  started_at: string | null;
  /** Recordings: the ISO 8601 duration in seconds, exact to the ms (M-0.1). */
  duration_s: number | null;
  recording_type: string | null;
  source_state: SessionFileState;
}

/** Everything the loader writes for one good session. */
export interface SessionFacts {
  session: SessionRow;
  states: SessionStateRow[];
  operators: SessionOperatorRow[];
  routingEvents: RoutingEventRow[];
  files: SessionFileRow[];
}

/** A payload that cannot be understood (README "Where the data lands"); stored in etl.rejects. */
export interface Reject {
  kind: 'reject';
  /** The id if one could be read, for people looking at the reject. */
  session_id: number | null;
  reason: string;
  raw_text: string;
}

export type TransformResult =
  | {
      kind: 'facts';
      facts: SessionFacts;
      /** Present when text had to be replaced (`text_sanitized`): what raw must store instead of the input. */
      sanitized?: { payload: unknown; routingHistory: unknown };
    }
  | Reject;

/** What transformSession reads for one session (everything as received from the API). */
export interface TransformInput {
  /** The session payload (GET /api/v1/Sessions item); anything, validated by the transform. */
  payload: unknown;
  /** The routingHistory response: undefined/null when not fetched, an array, or a wrapper object. */
  routingHistory: unknown;
  /** M-RING: the mode of a campaign by id. */
  campaignMode: import('../mluvii/types.js').CampaignModeLookup;
}

export interface TransformOptions {
  /** M-DONE: the pipeline stopped waiting for this session; an incomplete one gets `never_completed`. */
  neverCompleted?: boolean;
  /** The stored raw was sanitized when it was received (raw.sessions.text_sanitized): keep the flag `text_sanitized`. */
  textSanitized?: boolean;
  /**
   * The caller has made sure no string of the payload or routing history holds U+0000 or a lone
   * surrogate (it scanned the JSON text they were parsed from, or they come from jsonb, which
   * cannot hold them): the walk over every string is skipped. Without it the transform checks.
   */
  textChecked?: boolean;
  /**
   * The window whose list answered this session, [from, to): a session created outside it is set
   * aside (`outside_window`) instead of loaded. Absent when the session was not listed by window
   * (fetched by id, read back from raw).
   */
  listedFor?: { from: Date; to: Date };
}

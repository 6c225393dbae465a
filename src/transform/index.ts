/**
 * The transform: one session payload, its routing history and the known campaign modes in; the
 * rows of core.sessions, core.session_states, core.session_operators and core.routing_events out
 * (docs/metrics.md). Pure: no I/O, no clock, no logging, and no exception for bad input — a payload
 * that cannot be understood comes back as a Reject (README "Where the data lands").
 */
import { campaignContext } from './ring-policy.js';
import { isComplete } from './completeness.js';
import { boolOrNull, intOrNull, isRecord, plausibleId, strOrNull, type JsonRecord } from './fields.js';
import { operatorRows } from './operator-durations.js';
import { summarizeStints } from './operator-stints.js';
import { QualityFlags } from './quality-flags.js';
import { instantText, readInstant } from './read-instant.js';
import { summarizeRouting, unwrapRoutingHistory } from './routing.js';
import { sessionDurations, type SessionDurations } from './session-durations.js';
import { sessionFileRows } from './session-files.js';
import {
  STATES,
  type SessionRow,
  type SessionState,
  type SessionStateRow,
  type TransformInput,
  type TransformOptions,
  type TransformResult,
} from './types.js';
import { sanitizeJsonWithin } from './sanitize-text.js';
import { outsideWindowReject, reject, tooDeepReject, validatePayload } from './validate.js';
import { jsonDepthExceeds } from '../util/json.js';

// The building blocks, for tests, the loader and anyone reusing one rule.
export { parseIsoInstant, daysFromCivil, MIN_YEAR, MAX_YEAR, unparseableInstantReason } from './iso-instant.js';
export { parseIsoDuration } from './iso-duration.js';
export { microsToSeconds, durationSeconds } from './seconds.js';
export { validatePayload, rawText, type ValidPayload } from './validate.js';
export { unwrapRoutingHistory, summarizeRouting, type RoutingSummary, type RoutedOperator } from './routing.js';
export { summarizeStints, type StintSummary, type UserStints } from './operator-stints.js';
export { operatorRows } from './operator-durations.js';
export { sessionDurations, type SessionDurations, type SessionInstants } from './session-durations.js';
export { campaignContext, type CampaignContext, type RingPolicy } from './ring-policy.js';
export { isComplete, isTerminalStatus } from './completeness.js';
export { QualityFlags } from './quality-flags.js';
export { sanitizeJson, sanitizeText, needsSanitizing, jsonTextMayNeedSanitizing } from './sanitize-text.js';
export { routingUnavailable, ROUTING_UNAVAILABLE_KEY } from './routing.js';
export { sessionFileRows, fileDownloadRefs, storableText, type FileDownloadRef } from './session-files.js';
export type * from './types.js';
export { STATES } from './types.js';

/** One session in, its rows (or a Reject) out. See the file comment for the guarantees. */
export function transformSession(input: TransformInput, opts?: TransformOptions): TransformResult {
  try {
    return transformValid(input, opts);
  } catch (error) {
    // Safety net: a bug must cost one session (visible in etl.rejects), never the whole batch.
    const payload = isRecord(input) ? input.payload : input;
    const id = isRecord(payload) ? intOrNull(payload.id) : null;
    const message = error instanceof Error ? error.message : String(error);
    return reject(payload, id, `transform_error: ${message}`);
  }
}

function transformValid(input: TransformInput, opts: TransformOptions | undefined): TransformResult {
  // Text Postgres cannot store is replaced first, so the rows and the stored raw agree
  // (sanitize-text.ts); the same walk finds a shape too deep to store, which is set aside before
  // any recursive code touches it. Text already checked is only measured for depth.
  const checked = opts?.textChecked === true;
  const cleanPayload = clean(input.payload, checked);
  if (cleanPayload === undefined) return tooDeepReject(input.payload, 'the payload');
  const cleanRouting = clean(input.routingHistory, checked);
  if (cleanRouting === undefined) return tooDeepReject(input.payload, 'its routing history');
  const valid = validatePayload(cleanPayload.value);
  if (valid.kind === 'reject') return valid;
  const outside = opts?.listedFor ? outsideWindowReject(valid, opts.listedFor) : undefined;
  if (outside) return outside;
  const { payload, id, createdMicros } = valid;
  const flags = new QualityFlags();
  const sanitized = cleanPayload.changed || cleanRouting.changed;
  if (sanitized || opts?.textSanitized === true) flags.add('text_sanitized');

  const guestJoinedMicros = readInstant(payload.guestJoined, 'bad_guest_joined', flags);
  const startedMicros = readInstant(payload.started, 'bad_started', flags);
  const endedMicros = readInstant(payload.ended, 'bad_ended', flags);
  if (endedMicros === endedMicros && endedMicros < createdMicros) flags.add('ended_before_created');
  const status = strOrNull(payload.status);
  const campaignId = plausibleId(payload.campaignId, 'implausible_campaign_id', flags);

  const routing = summarizeRouting(id, unwrapRoutingHistory(cleanRouting.value, flags), flags);
  const stints = summarizeStints(payload.operators, flags);
  const campaign = campaignContext(campaignId, input.campaignMode, flags);
  const durations = sessionDurations(
    { createdMicros, guestJoinedMicros, startedMicros },
    payload.length,
    payload.waited,
    stints,
    routing,
    campaign.ring,
    flags,
  );
  const operators = operatorRows(id, stints, routing, flags);
  const files = sessionFileRows(id, payload, flags);

  const complete = isComplete(status, stints); // M-DONE
  if (!complete && opts?.neverCompleted === true) flags.add('never_completed');

  const session: SessionRow = {
    session_id: id,
    company_id: plausibleId(payload.companyId, 'implausible_company_id', flags),
    department_id: plausibleId(payload.departmentId, 'implausible_department_id', flags),
    channel: strOrNull(payload.channel),
    source: strOrNull(payload.source),
    status,
    campaign_id: campaignId,
    campaign_mode: campaign.mode,
    guest_left_session: strOrNull(payload.guestLeftSession),
    termination_reason: terminationReason(payload.activities),
    auto_accepted: boolOrNull(payload.autoAccepted),
    is_direct_chat: boolOrNull(payload.isDirectChat),
    widget: strOrNull(payload.widget),
    created_at: payload.created as string,
    guest_joined_at: instantText(payload.guestJoined, guestJoinedMicros),
    started_at: instantText(payload.started, startedMicros),
    ended_at: instantText(payload.ended, endedMicros),
    first_routing_at: routing.firstCreatedAt,
    first_assigned_at: routing.firstAssignedAt,
    first_accepted_at: routing.firstAcceptedAt,
    created_s: durations.created_s,
    in_queue_s: durations.in_queue_s,
    waiting_s: durations.waiting_s,
    bcw_s: durations.bcw_s,
    active_s: durations.active_s,
    acw_s: durations.acw_s,
    ring_s: durations.ring_s,
    waited_s: durations.waited_s,
    answer_s: durations.answer_s,
    is_offered: routing.hasCreated, // K-OFFERED
    is_accepted: routing.hasAccepted,
    skipped_states: complete ? skippedStates(durations) : null,
    quality_flags: [] as string[], // set below: the flags are complete only once every column is read
    is_complete: complete,
  };

  session.quality_flags = flags.toArray();
  return {
    kind: 'facts',
    facts: { session, states: stateRows(id, durations), operators, routingEvents: routing.events, files },
    ...(sanitized ? { sanitized: { payload: cleanPayload.value, routingHistory: cleanRouting.value } } : {}),
  };
}

/** The value with the text Postgres refuses replaced, or undefined when it nests too deep to store. */
function clean(value: unknown, textChecked: boolean): { value: unknown; changed: boolean } | undefined {
  if (!textChecked) return sanitizeJsonWithin(value);
  return jsonDepthExceeds(value) ? undefined : { value, changed: false };
}

/** The value of each state, in STATES order (CREATED … ACW). */
function stateValue(d: SessionDurations, state: SessionState): number | null {
  switch (state) {
    case 'CREATED':
      return d.created_s;
    case 'IN_QUEUE':
      return d.in_queue_s;
    case 'WAITING':
      return d.waiting_s;
    case 'BCW':
      return d.bcw_s;
    case 'ACTIVE':
      return d.active_s;
    case 'ACW':
      return d.acw_s;
  }
}

/** Long form: one row per state the session passed through (the non-NULL ones). */
function stateRows(sessionId: number, d: SessionDurations): SessionStateRow[] {
  const rows: SessionStateRow[] = [];
  for (const state of STATES) {
    const duration = stateValue(d, state);
    if (duration !== null) rows.push({ session_id: sessionId, state, duration_s: duration });
  }
  return rows;
}

/** docs/metrics.md `skipped_states`: the NULL states of a complete session, in STATES order. */
function skippedStates(d: SessionDurations): SessionState[] {
  const skipped: SessionState[] = [];
  for (const state of STATES) if (stateValue(d, state) === null) skipped.push(state);
  return skipped;
}

/**
 * The terminationReason lives only on the `SessionEnded` activity. Searched
 * from the end: the activity list holds the whole transcript and the end is near its end.
 */
function terminationReason(activities: unknown): string | null {
  if (!Array.isArray(activities)) return null;
  for (let i = activities.length - 1; i >= 0; i--) {
    const activity: unknown = activities[i];
    if (!isRecord(activity)) continue;
    const type = activity.type;
    if (type === 'SessionEnded' || (typeof type === 'string' && type.length === 12 && type.toLowerCase() === 'sessionended')) {
      const reason = strOrNull((activity as JsonRecord).terminationReason);
      if (reason !== null) return reason;
    }
  }
  return null;
}

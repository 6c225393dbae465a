/**
 * A session's routing history (GET /api/v1/Sessions/{id}/routingHistory):
 * unwrapped from whatever container it came in, sorted (M-0.5), numbered, and summarised into the
 * "first X" instants and per-operator counts the duration rules need.
 */
import { wrappedArray } from '../util/json.js';
import { intOrNull, isRecord, plausibleId, strOrNull, type JsonRecord } from './fields.js';
import { parseIsoInstant } from './iso-instant.js';
import type { QualityFlags } from './quality-flags.js';
import type { RoutingEventRow } from './types.js';

/** What the routing history says about one operator (user id). */
export interface RoutedOperator {
  /** M-OP-OFFERS: AssignedToOperator events to this user. */
  offers: number;
  /** M-OP-MISSED: OperatorTimeoutExpired events for this user. */
  missed: number;
  /** First AssignedToOperator to this user (µs, NaN if none with a usable timestamp). */
  firstAssignedMicros: number;
  /** First AcceptedByOperator by this user (µs, NaN if none). */
  firstAcceptedMicros: number;
  firstName: string | null;
  lastName: string | null;
}

export interface RoutingSummary {
  /** Sorted per M-0.5, seq from 1. */
  events: RoutingEventRow[];
  /** K-OFFERED: any RoutingRequestCreated event, even one without a usable timestamp. */
  hasCreated: boolean;
  /** K-ANSWERED: any AcceptedByOperator event. */
  hasAccepted: boolean;
  /** "First X" of M-0.5, across all routing requests: µs (NaN if none) and the original string. */
  firstCreatedMicros: number;
  firstCreatedAt: string | null;
  firstAssignedMicros: number;
  firstAssignedAt: string | null;
  firstAcceptedMicros: number;
  firstAcceptedAt: string | null;
  /** By operator.userId; null when no event names an operator. */
  operators: Map<number, RoutedOperator> | null;
}

// The activity types the rules look at; everything else only goes into routing_events (M-0.6).
const OTHER = 0;
const CREATED = 1;
const ASSIGNED = 2;
const ACCEPTED = 3;
const TIMEOUT = 4;

const KNOWN_TYPES: Array<[string, number]> = [
  ['RoutingRequestCreated', CREATED],
  ['AssignedToOperator', ASSIGNED],
  ['AcceptedByOperator', ACCEPTED],
  ['OperatorTimeoutExpired', TIMEOUT],
  // Listed so the common types are exact hits and never pay for the case-insensitive fallback.
  ['UNKNOWN', OTHER],
  ['EnteredGroupQueue', OTHER],
  ['GroupQueueTimeoutExpired', OTHER],
  ['LeftGroupQueue', OTHER],
  ['ForwardedToGroup', OTHER],
  ['ForwardedToUser', OTHER],
  ['ForwardedToPhone', OTHER],
  ['RoutingEnded', OTHER],
  ['InvitedGroup', OTHER],
  ['InvitedUser', OTHER],
];
const KIND_EXACT = new Map<string, number>(KNOWN_TYPES);
/** Enum casing has drifted before, so `ACCEPTEDBYOPERATOR` still counts. */
const KIND_LOWER = new Map<string, number>(KNOWN_TYPES.map(([name, kind]) => [name.toLowerCase(), kind]));

function kindOf(activityType: string | null): number {
  if (activityType === null) return OTHER;
  const exact = KIND_EXACT.get(activityType);
  if (exact !== undefined) return exact;
  return KIND_LOWER.get(activityType.toLowerCase()) ?? OTHER;
}

/** Property names a wrapped response is likely to use, tried before anything else. */
const WRAPPER_KEYS = ['items', 'data', 'routingHistory', 'value', 'results'];
const NO_EVENTS: readonly unknown[] = Object.freeze([]);

/**
 * The list inside a routingHistory response. The response container is unverified
 *: a bare array is most likely, a wrapper object possible. Not fetched
 * (undefined/null) means no events. Anything unrecognisable also means no events, flagged
 * `bad_routing_history`.
 */
/**
 * What the pipeline stores in raw.routing_history when `GET /Sessions/{id}/routingHistory`
 * answered 404 for a session that exists: the session loads with the flag `routing_unavailable`
 * instead of looking like one that was never routed. Kept in raw so `reprocess` says the same.
 */
export const ROUTING_UNAVAILABLE_KEY = 'etl_routing_unavailable';
export const routingUnavailable = (reason: string): Record<string, string> => ({ [ROUTING_UNAVAILABLE_KEY]: reason });

export function unwrapRoutingHistory(raw: unknown, flags: QualityFlags): readonly unknown[] {
  if (raw === null || raw === undefined) return NO_EVENTS;
  if (isRecord(raw) && typeof raw[ROUTING_UNAVAILABLE_KEY] === 'string') {
    flags.add('routing_unavailable');
    return NO_EVENTS;
  }
  const events = wrappedArray(raw, WRAPPER_KEYS);
  if (events !== undefined) return events;
  flags.add('bad_routing_history');
  return NO_EVENTS;
}

/** Null and NaN last, then ascending; equal instants keep the API's order (M-0.5). */
function sortOrder(times: number[]): number[] {
  const order = new Array<number>(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => {
    const ta = times[a];
    const tb = times[b];
    if (ta !== ta) return tb !== tb ? a - b : 1;
    if (tb !== tb) return -1;
    return ta - tb || a - b;
  });
}

function isSorted(times: number[]): boolean {
  let last = -Infinity;
  let sawUnparsed = false;
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (t !== t) sawUnparsed = true;
    else if (sawUnparsed || t < last) return false;
    else last = t;
  }
  return true;
}

function operatorId(value: unknown, flags: QualityFlags): number | null {
  return isRecord(value) ? plausibleId(value.userId, 'implausible_operator_id', flags) : null;
}

/**
 * Normalises the routing history of one session. Items that are not objects are dropped; items
 * without a usable timestamp are kept (event_at NULL, sorted last) but take no part in the
 * "first X" rules; both add the flag `bad_routing_event`.
 */
export function summarizeRouting(sessionId: number, items: readonly unknown[], flags: QualityFlags): RoutingSummary {
  const rows: RoutingEventRow[] = [];
  const sources: JsonRecord[] = [];
  const times: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isRecord(item)) {
      flags.add('bad_routing_event');
      continue;
    }
    const timestamp = item.timestamp;
    const micros = typeof timestamp === 'string' ? parseIsoInstant(timestamp) : NaN;
    if (micros !== micros) flags.add('bad_routing_event');
    const group = item.group;
    const groupRecord = isRecord(group) ? group : null;
    rows.push({
      session_id: sessionId,
      seq: 0,
      routing_request_id: intOrNull(item.routingRequestId),
      event_at: micros === micros ? (timestamp as string) : null,
      activity_type: strOrNull(item.activityType),
      group_id: groupRecord === null ? null : plausibleId(groupRecord.id, 'implausible_group_id', flags),
      group_name: groupRecord === null ? null : strOrNull(groupRecord.name),
      operator_user_id: operatorId(item.operator, flags),
      forwarded_by_user_id: operatorId(item.forwardedByOperator, flags),
      invited_by_user_id: operatorId(item.invitedByOperator, flags),
    });
    sources.push(item);
    times.push(micros);
  }

  // M-0.5: the API's order is undocumented. Usually it is already sorted; then nothing moves.
  const order = isSorted(times) ? null : sortOrder(times);
  const events = order === null ? rows : order.map((k) => rows[k]);

  const summary: RoutingSummary = {
    events,
    hasCreated: false,
    hasAccepted: false,
    firstCreatedMicros: NaN,
    firstCreatedAt: null,
    firstAssignedMicros: NaN,
    firstAssignedAt: null,
    firstAcceptedMicros: NaN,
    firstAcceptedAt: null,
    operators: null,
  };

  for (let k = 0; k < events.length; k++) {
    const row = events[k];
    row.seq = k + 1;
    const src = order === null ? k : order[k];
    const t = times[src];
    const known = t === t; // sorted ascending: the first one seen of a kind is the earliest
    const kind = kindOf(row.activity_type);

    if (kind === CREATED) {
      summary.hasCreated = true;
      if (known && summary.firstCreatedAt === null) {
        summary.firstCreatedMicros = t;
        summary.firstCreatedAt = row.event_at;
      }
    } else if (kind === ASSIGNED) {
      if (known && summary.firstAssignedAt === null) {
        summary.firstAssignedMicros = t;
        summary.firstAssignedAt = row.event_at;
      }
    } else if (kind === ACCEPTED) {
      summary.hasAccepted = true;
      if (known && summary.firstAcceptedAt === null) {
        summary.firstAcceptedMicros = t;
        summary.firstAcceptedAt = row.event_at;
      }
    }

    const userId = row.operator_user_id;
    if (userId === null) continue;
    const operators = summary.operators ?? (summary.operators = new Map());
    let op = operators.get(userId);
    if (op === undefined) {
      const source = sources[src].operator as JsonRecord;
      op = {
        offers: 0,
        missed: 0,
        firstAssignedMicros: NaN,
        firstAcceptedMicros: NaN,
        firstName: strOrNull(source.firstName),
        lastName: strOrNull(source.lastName),
      };
      operators.set(userId, op);
    } else if (op.firstName === null || op.lastName === null) {
      const source = sources[src].operator as JsonRecord;
      op.firstName ??= strOrNull(source.firstName);
      op.lastName ??= strOrNull(source.lastName);
    }
    if (kind === ASSIGNED) {
      op.offers++; // M-OP-OFFERS
      if (known && op.firstAssignedMicros !== op.firstAssignedMicros) op.firstAssignedMicros = t;
    } else if (kind === ACCEPTED) {
      if (known && op.firstAcceptedMicros !== op.firstAcceptedMicros) op.firstAcceptedMicros = t;
    } else if (kind === TIMEOUT) {
      op.missed++; // M-OP-MISSED
    }
  }
  return summary;
}

/**
 * The per-session durations of docs/metrics.md ("Session state durations") plus K-ANSWER.
 * Every value is seconds with three decimals or null; negative results become null with a
 * `negative_<metric>` flag (M-0.3) except BCW, which simply does not exist unless positive.
 */
import type { RingPolicy } from './ring-policy.js';
import { isPresent } from './fields.js';
import { parseIsoDuration } from './iso-duration.js';
import type { StintSummary } from './operator-stints.js';
import type { QualityFlags } from './quality-flags.js';
import type { RoutingSummary } from './routing.js';
import { durationSeconds } from './seconds.js';
import type { SessionRow } from './types.js';

export type SessionDurations = Pick<
  SessionRow,
  'created_s' | 'in_queue_s' | 'waiting_s' | 'bcw_s' | 'active_s' | 'acw_s' | 'ring_s' | 'waited_s' | 'answer_s'
>;

/** The session's own instants, in µs; NaN when missing or unparseable. */
export interface SessionInstants {
  createdMicros: number;
  guestJoinedMicros: number;
  startedMicros: number;
}

export function sessionDurations(
  instants: SessionInstants,
  length: unknown,
  waited: unknown,
  stints: StintSummary,
  routing: RoutingSummary,
  ring: RingPolicy,
  flags: QualityFlags,
): SessionDurations {
  const { createdMicros, guestJoinedMicros, startedMicros } = instants;
  const firstCreated = routing.firstCreatedMicros;
  const firstAssigned = routing.firstAssignedMicros;
  const firstAccepted = routing.firstAcceptedMicros;

  // M-BCW-1, M-BCW-2: guestJoined − started, only a positive result counts, and ≤ 0 is no error.
  const bcw = guestJoinedMicros - startedMicros;

  return {
    // M-CREATED: first RoutingRequestCreated − created.
    created_s: durationSeconds(firstCreated - createdMicros, 'created', flags),
    // M-IN_QUEUE: first AssignedToOperator − first RoutingRequestCreated.
    in_queue_s: durationSeconds(firstAssigned - firstCreated, 'in_queue', flags),
    // M-WAITING: first AcceptedByOperator − first AssignedToOperator.
    waiting_s: durationSeconds(firstAccepted - firstAssigned, 'waiting', flags),
    bcw_s: bcw > 0 ? durationSeconds(bcw, 'bcw', flags) : null,
    // M-ACTIVE: `length`; unparseable adds `bad_length`.
    active_s: isoDurationSeconds(length, 'active', 'bad_length', flags),
    // M-ACW-1: max(concluded) − max(left); M-ACW-2: NULL while some operator's ACW is running.
    acw_s: stints.acwRunning ? null : durationSeconds(stints.maxConcludedMicros - stints.maxLeftMicros, 'acw', flags),
    // M-RING: guestJoined − created; NULL for preview campaigns and unknown campaign modes.
    ring_s: ring === 'formula' ? durationSeconds(guestJoinedMicros - createdMicros, 'ring', flags) : null,
    // M-WAITED: `waited`; unparseable adds `bad_waited`.
    waited_s: isoDurationSeconds(waited, 'waited', 'bad_waited', flags),
    // K-ANSWER: first AcceptedByOperator − first RoutingRequestCreated.
    answer_s: durationSeconds(firstAccepted - firstCreated, 'answer', flags),
  };
}

function isoDurationSeconds(value: unknown, metric: string, badFlag: string, flags: QualityFlags): number | null {
  if (!isPresent(value)) return null;
  const micros = typeof value === 'string' ? parseIsoDuration(value) : NaN;
  if (micros !== micros) {
    flags.add(badFlag);
    return null;
  }
  return durationSeconds(micros, metric, flags); // a `-P…` duration is negative: NULL + flag (M-0.3)
}

/**
 * A draft's routing history as `GET /Sessions/{id}/routingHistory` shows it at `now`: the events
 * that have happened, in the order the server keeps them.
 */
import { GROUPS, OPERATORS } from '../catalog.js';
import type { RoutingTimeLine } from '../payloads.js';
import type { SessionDraft } from './session-draft.js';

// Routing entries name the same few operators and groups over and over: one frozen object each,
// shared by every session, keeps memory (and garbage collection) small. Frozen so that a consumer
// that edits a payload in place fails loudly instead of changing other sessions.
const OPERATOR_REFS = new Map(OPERATORS.map((o) => [o.userId, Object.freeze({ userId: o.userId, firstName: o.firstName, lastName: o.lastName })]));
const GROUP_REFS = new Map(GROUPS.map((g) => [g.id, Object.freeze({ id: g.id, name: g.name })]));

function operatorRef(userId: number | null) {
  return userId === null ? null : (OPERATOR_REFS.get(userId) ?? { userId, firstName: null, lastName: null });
}

export function renderRoutingHistory(d: SessionDraft, now: number, fmt: (t: number) => string): RoutingTimeLine[] {
  const routingHistory: RoutingTimeLine[] = [];
  for (const e of d.routing) {
    if (e.t > now) continue;
    routingHistory.push({
      routingRequestId: e.rr,
      timestamp: fmt(e.t),
      activityType: e.type,
      group: e.group ? (GROUP_REFS.get(e.group.id) ?? null) : null,
      phoneNumber: e.phone,
      operator: operatorRef(e.op),
      forwardedByOperator: operatorRef(e.forwardedBy),
      invitedByOperator: operatorRef(e.invitedBy),
    });
  }
  if (d.routingReversed) routingHistory.reverse();
  return routingHistory;
}

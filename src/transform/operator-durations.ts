/**
 * One row per session × operator (docs/metrics.md "Per operator"): every user in `operators[]` plus
 * every user who appears only in the routing history (offered, never joined), sorted by user id
 * so equal input gives equal output whatever the API's order.
 */
import type { StintSummary, UserStints } from './operator-stints.js';
import type { QualityFlags } from './quality-flags.js';
import type { RoutedOperator, RoutingSummary } from './routing.js';
import { durationSeconds } from './seconds.js';
import type { SessionOperatorRow } from './types.js';

export function operatorRows(
  sessionId: number,
  stints: StintSummary,
  routing: RoutingSummary,
  flags: QualityFlags,
): SessionOperatorRow[] {
  const users = stints.users;
  const routed = routing.operators;
  if (users === null && routed === null) return [];

  const ids: number[] = [];
  if (users !== null) for (const id of users.keys()) ids.push(id);
  if (routed !== null) for (const id of routed.keys()) if (users === null || !users.has(id)) ids.push(id);
  ids.sort((a, b) => a - b);

  const rows = new Array<SessionOperatorRow>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const user = users === null ? undefined : users.get(id);
    const route = routed === null ? undefined : routed.get(id);
    rows[i] = operatorRow(sessionId, id, user, route, flags);
  }
  return rows;
}

function operatorRow(
  sessionId: number,
  userId: number,
  user: UserStints | undefined,
  route: RoutedOperator | undefined,
  flags: QualityFlags,
): SessionOperatorRow {
  return {
    session_id: sessionId,
    user_id: userId,
    // Names: operators[] first (it alone has userName), else the routing event's operator object.
    user_name: user === undefined ? null : user.userName,
    first_name: (user === undefined ? null : user.firstName) ?? (route === undefined ? null : route.firstName),
    last_name: (user === undefined ? null : user.lastName) ?? (route === undefined ? null : route.lastName),
    joined_at: user === undefined ? null : user.joinedAt,
    left_at: user === undefined ? null : user.leftAt,
    concluded_at: user === undefined ? null : user.concludedAt,
    stints: user === undefined ? 0 : user.stints,
    // M-OP-QUEUE (refined): X's own first accept − X's first assignment; NULL if either is missing.
    queue_s:
      route === undefined
        ? null
        : durationSeconds(route.firstAcceptedMicros - route.firstAssignedMicros, 'operator_queue', flags),
    // M-OP-ACTIVE: summed over the stints with both ends; NULL when no stint has both.
    active_s:
      user === undefined || user.activeStints === 0 ? null : durationSeconds(user.activeMicros, 'operator_active', flags),
    // M-OP-ACW: summed over the stints with both ends; NULL when no stint has both.
    acw_s: user === undefined || user.acwStints === 0 ? null : durationSeconds(user.acwMicros, 'operator_acw', flags),
    offers: route === undefined ? 0 : route.offers, // M-OP-OFFERS
    missed: route === undefined ? 0 : route.missed, // M-OP-MISSED
  };
}

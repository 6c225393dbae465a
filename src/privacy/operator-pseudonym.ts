/**
 * `forget --operator`: a former employee's names become a pseudonym wherever a session payload or
 * routing history carries them; their user id, and so their KPIs, stay. Pure: no I/O.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What an operator's names are replaced by: no name, the user id the KPIs are keyed by already. */
export const operatorPseudonym = (userId: number): string => `operator ${userId}`;

const userIdOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

/** operators[] and reviewers[] entries: userName becomes the pseudonym, first and last name null. */
function renameStints(list: unknown, ids: ReadonlySet<number>): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const id = userIdOf(entry.userId);
    if (id === undefined || !ids.has(id)) continue;
    if ('userName' in entry) entry.userName = operatorPseudonym(id);
    if ('firstName' in entry) entry.firstName = null;
    if ('lastName' in entry) entry.lastName = null;
  }
}

const mentionedIn = (list: unknown, key: string, ids: ReadonlySet<number>): boolean =>
  Array.isArray(list) && list.some((e) => isObject(e) && ids.has(userIdOf(e[key]) ?? -1));

/** A copy of a session payload with these operators' names replaced (the same payload when none of them appears). */
export function payloadWithPseudonyms(payload: unknown, ids: ReadonlySet<number>): unknown {
  if (ids.size === 0 || !isObject(payload)) return payload;
  // Most payloads do not mention them: those are not copied.
  if (!mentionedIn(payload.operators, 'userId', ids) && !mentionedIn(payload.reviewers, 'userId', ids) && !mentionedIn(payload.activities, 'toOperatorUserId', ids)) return payload;
  const copy = structuredClone(payload);
  renameStints(copy.operators, ids);
  renameStints(copy.reviewers, ids);
  if (Array.isArray(copy.activities)) {
    for (const a of copy.activities) {
      if (!isObject(a)) continue;
      const to = userIdOf(a.toOperatorUserId);
      if (to !== undefined && ids.has(to) && 'toOperatorFullName' in a) a.toOperatorFullName = operatorPseudonym(to);
    }
  }
  return copy;
}

const ROUTING_OPERATOR_KEYS = ['operator', 'forwardedByOperator', 'invitedByOperator'];

/** A copy of a routing history (bare or wrapped) with these operators' first and last names removed. */
export function routingWithPseudonyms(routing: unknown, ids: ReadonlySet<number>): unknown {
  if (ids.size === 0 || routing === null || typeof routing !== 'object') return routing;
  const copy = structuredClone(routing);
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (isObject(v)) {
      for (const key of ROUTING_OPERATOR_KEYS) {
        const op = v[key];
        if (!isObject(op)) continue;
        const id = userIdOf(op.userId);
        if (id === undefined || !ids.has(id)) continue;
        if ('firstName' in op) op.firstName = null;
        if ('lastName' in op) op.lastName = null;
      }
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') visit(x, depth + 1);
    }
  };
  visit(copy, 0);
  return copy;
}

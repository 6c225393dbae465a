/** The per-session misbehaviour switches applied to a session payload and its routing history. */
import type { SimulatedSession } from './contact-center/render-session.js';
import { deepJsonMarker } from './deep-json.js';
import { implausibleKindOf, picks, type Misbehaviour } from './misbehaviour.js';

/**
 * A session as the server shows it under `m`: the per-session switches applied to a freshly built
 * (unshared) payload. `view` is 'list' for a list item (only there are ended sessions thinned),
 * 'detail' for `GET /Sessions/{id}`; the routing history is spoiled alike in both.
 */
export function spoilSession(
  seed: number,
  m: Misbehaviour,
  sim: SimulatedSession,
  view: 'list' | 'detail',
): SimulatedSession {
  const { session, routingHistory } = sim;
  const id = Number(session.id);
  if (picks(seed, id, 'badText', m.badTextRate)) {
    // A NUL where chat text lives and a lone surrogate (half an emoji cut by some middleware).
    const text = session.activities?.find((a) => typeof a.text === 'string');
    if (text) text.text = `${text.text as string}\u0000`;
    else session.widget = `${session.widget ?? ''}\u0000`;
    session.guestFeedbackText = 'Díky \ud83d';
    const first = routingHistory[0];
    if (first) first.phoneNumber = 'nezn\u00e1m\u00e9 \udc00';
  }
  if (picks(seed, id, 'implausible', m.implausibleRate)) {
    let kind = implausibleKindOf(seed, id);
    if (kind === 'operator-id-string' && !session.operators?.length) kind = 'department-fraction';
    if (kind === 'ended-before-created' && !session.ended) kind = 'department-negative';
    if (kind === 'department-fraction') session.departmentId = Number(session.departmentId) + 0.5;
    else if (kind === 'department-negative') session.departmentId = -Number(session.departmentId);
    else if (kind === 'department-huge') session.departmentId = 2 ** 64; // beyond any exact id (and Postgres bigint)
    else if (kind === 'operator-id-string') (session.operators as Array<Record<string, unknown>>)[0].userId = `u${String(session.operators?.[0].userId)}`;
    else session.ended = new Date(Date.parse(String(session.created)) - 3_600_000).toISOString();
  }
  if (picks(seed, id, 'oversized', m.oversizedRate)) {
    const bytes = m.oversizedBytes ?? 2_000_000;
    session.guest = { ...session.guest, callParams: { padding: 'x'.repeat(Math.max(0, bytes - JSON.stringify(session).length)) } };
  }
  if (picks(seed, id, 'oversizedRouting', m.oversizedRoutingRate) && routingHistory.length) {
    const first = routingHistory[0] as Record<string, unknown>;
    first.padding = 'x'.repeat(Math.max(0, (m.oversizedBytes ?? 2_000_000) - JSON.stringify(routingHistory).length));
  }
  if (m.deepNesting && picks(seed, id, 'deep', m.deepNesting.rate)) {
    // JSON.stringify cannot write thousands of levels: a marker the response writer expands (deep-json.ts).
    session.guest = { ...session.guest, callParams: { ...session.guest?.callParams, nested: deepJsonMarker(m.deepNesting.depth) } };
  }
  if (m.strayCreated && m.strayCreated.values.length > 0 && picks(seed, id, 'stray', m.strayCreated.rate)) {
    const created = m.strayCreated.values[id % m.strayCreated.values.length];
    session.created = created;
    session.enteredQueue = created;
  }
  if (view === 'list' && session.ended && picks(seed, id, 'thin', m.thinListRate)) {
    delete session.operators;
    delete session.activities;
  }
  return { session, routingHistory };
}

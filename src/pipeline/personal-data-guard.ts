/**
 * What mluvii forgets (or the warehouse was asked to forget) stays forgotten: every load stores
 * the payload of a session whose personal data was removed without it again, and no payload with
 * the names of a pseudonymized operator (docs/privacy.md). Applied by transform-and-load.ts to
 * whatever comes from the API, before the transform: core gets what raw gets.
 */
import type { Knex } from 'knex';
import { pseudonymizedOperatorIds } from '../load/operator-pseudonyms.js';
import { sessionsWithoutPersonalData } from '../load/privacy-erasure.js';
import { payloadWithPseudonyms, routingWithPseudonyms } from '../privacy/operator-pseudonym.js';
import { routingWithoutPersonalData, withoutPersonalData } from '../privacy/personal-fields.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, payloadId } from '../util/json.js';

/** What the guard looks at of a session as extracted (transform-and-load.ts ExtractedSession). */
interface Extracted {
  payload: unknown;
  routingHistory: unknown;
  setAside?: { sessionId: number | null; reason: string; rawText: string };
}

export async function keepForgottenDataOut<T extends Extracted>(trx: Knex.Transaction, batch: T[]): Promise<T[]> {
  const ids = batch.map((item) => item.setAside?.sessionId ?? payloadId(item.payload)).filter((id): id is number => typeof id === 'number');
  const [erased, pseudonymized] = await Promise.all([sessionsWithoutPersonalData(trx, ids), pseudonymizedOperatorIds(trx)]);
  if (erased.size === 0 && pseudonymized.size === 0) return batch;
  return batch.map((item) => {
    if (item.setAside) {
      // An item set aside whole (too large) keeps its first KB: not for a session that was erased.
      const id = item.setAside.sessionId;
      return id !== null && erased.has(id) ? { ...item, setAside: { ...item.setAside, rawText: '' } } : item;
    }
    const id = payloadId(item.payload);
    if (id !== undefined && erased.has(id) && (jsonDepthExceeds(item.payload) || jsonDepthExceeds(item.routingHistory))) {
      // Too deep to copy (the transform would set it aside anyway): set aside without its text.
      return { ...item, setAside: { sessionId: id, reason: `too_deep: the payload or its routing history nests more than ${MAX_JSON_DEPTH} levels deep`, rawText: '' } };
    }
    let payload = payloadWithPseudonyms(item.payload, pseudonymized);
    let routingHistory = routingWithPseudonyms(item.routingHistory, pseudonymized);
    if (id !== undefined && erased.has(id)) {
      payload = withoutPersonalData(payload);
      routingHistory = routingWithoutPersonalData(routingHistory);
    }
    return payload === item.payload && routingHistory === item.routingHistory ? item : { ...item, payload, routingHistory };
  });
}

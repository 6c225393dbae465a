/**
 * The gate before the transform (README "Where the data lands"): a payload that is not an object, has
 * no numeric `id` or has an unparseable `created` cannot become a session row (`created_at` is
 * NOT NULL and every duration hangs on it). It becomes a Reject for etl.rejects instead of an
 * exception, so the rest of the window still loads.
 */
import { isRecord, type JsonRecord } from './fields.js';
import { parseIsoInstant } from './iso-instant.js';
import type { Reject } from './types.js';

export interface ValidPayload {
  kind: 'valid';
  payload: JsonRecord;
  id: number;
  createdMicros: number;
}

/** Longest excerpt of a bad value quoted in a reason: reasons stay short and greppable. */
const MAX_QUOTE = 80;

export function validatePayload(payload: unknown): ValidPayload | Reject {
  if (!isRecord(payload)) return reject(payload, null, 'not_object: payload is not a JSON object');
  const id = payload.id;
  if (id === null || id === undefined) return reject(payload, null, 'missing_id: payload has no numeric id');
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    return reject(payload, null, `bad_id: id ${quote(id)} is not a whole number from 1 to 2^53−1`);
  }
  const created = payload.created;
  if (created === null || created === undefined) return reject(payload, id, 'bad_created: created is missing');
  const createdMicros = typeof created === 'string' ? parseIsoInstant(created) : NaN;
  if (createdMicros !== createdMicros) {
    return reject(payload, id, `bad_created: created ${quote(created)} is not an ISO 8601 instant`);
  }
  return { kind: 'valid', payload, id, createdMicros };
}

export function reject(payload: unknown, sessionId: number | null, reason: string): Reject {
  return { kind: 'reject', session_id: sessionId, reason, raw_text: rawText(payload) };
}

/** What etl.rejects keeps of the payload: its JSON, else whatever text it has. */
export function rawText(payload: unknown): string {
  try {
    const json = JSON.stringify(payload);
    if (json !== undefined) return json;
  } catch {
    // BigInt or a cycle: fall through to String()
  }
  try {
    return String(payload);
  } catch {
    return '[unprintable payload]';
  }
}

function quote(value: unknown): string {
  const text = rawText(value);
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/**
 * The gate before the transform (README "Where the data lands"): a payload that is not an object, has
 * no numeric `id` or has an unparseable `created` cannot become a session row (`created_at` is
 * NOT NULL and every duration hangs on it). It becomes a Reject for etl.rejects instead of an
 * exception, so the rest of the window still loads.
 */
import { jsonDepthExceeds, jsonHead, MAX_JSON_DEPTH } from '../util/json.js';
import { intOrNull, isRecord, type JsonRecord } from './fields.js';
import { parseIsoInstant, unparseableInstantReason } from './iso-instant.js';
import type { Reject } from './types.js';

export interface ValidPayload {
  kind: 'valid';
  payload: JsonRecord;
  id: number;
  createdMicros: number;
}

/** Longest excerpt of a bad value quoted in a reason: reasons stay short and greppable. */
const MAX_QUOTE = 80;
/** What a reject keeps of a payload too deep to write out whole: its first KB. */
const HEAD_CHARS = 1024;

/**
 * A payload or routing history nesting deeper than MAX_JSON_DEPTH cannot be stored (Postgres and
 * JSON.stringify refuse it) and no session has such a shape: the session is set aside before any
 * recursive code (hashing, writing) touches it.
 */
export function tooDeepReject(payload: unknown, what: 'the payload' | 'its routing history'): Reject {
  return reject(payload, isRecord(payload) ? intOrNull(payload.id) : null, `too_deep: ${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`);
}

/**
 * A session whose `created` lies outside the window it was listed for, [from, to): the API
 * answered for another range. Set aside, never loaded: a row would land in another window's days
 * (and overwrite the session loaded there). If it is real, its own window loads it.
 */
export function outsideWindowReject(valid: ValidPayload, window: { from: Date; to: Date }): Reject | undefined {
  if (valid.createdMicros >= window.from.getTime() * 1000 && valid.createdMicros < window.to.getTime() * 1000) return undefined;
  return reject(
    valid.payload,
    valid.id,
    `outside_window: created ${quote(valid.payload.created)} is outside the window it was listed for, ${window.from.toISOString()} – ${window.to.toISOString()}`,
  );
}

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
    const why = typeof created === 'string' ? unparseableInstantReason(created) : 'is not an ISO 8601 instant';
    return reject(payload, id, `bad_created: created ${quote(created)} ${why}`);
  }
  return { kind: 'valid', payload, id, createdMicros };
}

export function reject(payload: unknown, sessionId: number | null, reason: string): Reject {
  return { kind: 'reject', session_id: sessionId, reason, raw_text: rawText(payload) };
}

/** What etl.rejects keeps of the payload: its JSON (its first KB when it is too deep to write out), else whatever text it has. */
export function rawText(payload: unknown): string {
  if (jsonDepthExceeds(payload)) return jsonHead(payload, HEAD_CHARS);
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

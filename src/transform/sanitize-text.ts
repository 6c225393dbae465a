/**
 * Text Postgres cannot store: `text` and `jsonb` refuse U+0000, and `jsonb` refuses a lone UTF-16
 * surrogate (half of a character cut by some middleware). Either used to fail a whole window on
 * every rerun. The transform replaces each such code unit by U+FFFD (REPLACEMENT CHARACTER, what
 * `String.prototype.toWellFormed` does for lone surrogates) in every string and object key of the
 * payload and the routing history, and the session gets the flag `text_sanitized`.
 */
import { MAX_JSON_DEPTH } from '../util/json.js';

/** A code unit Postgres refuses somewhere: NUL, or any surrogate (lone ones are told apart below). */
const SUSPECT = /[\u0000\ud800-\udfff]/;

export const REPLACEMENT = '\ufffd';

/** NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one. */
const BAD = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Whether a JSON text may hold such characters once parsed: in JSON text a NUL can only be written
 * escaped (`\u0000`), and a lone surrogate only escaped too (UTF-8 cannot carry one; a decoder turns
 * invalid bytes into U+FFFD). One regex scan of the HTTP body, far cheaper than walking the parsed
 * value; false positives (an escaped well-formed pair) only cost the walk.
 */
export function jsonTextMayNeedSanitizing(text: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])/.test(text);
}

/** Whether `s` holds a NUL or a lone surrogate. */
export function needsSanitizing(s: string): boolean {
  if (!SUSPECT.test(s)) return false;
  BAD.lastIndex = 0;
  return BAD.test(s);
}

/** `s` with every NUL and lone surrogate replaced by U+FFFD (well-formed pairs are kept). */
export function sanitizeText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(BAD, REPLACEMENT);
}

/**
 * A JSON value with every string (and key) sanitized. Returns the same object when nothing needed
 * it, so the common case allocates nothing; `changed` says whether anything was replaced.
 */
export function sanitizeJson(value: unknown): { value: unknown; changed: boolean } {
  const out = sanitizeJsonWithin(value);
  if (out === undefined) throw new RangeError(`JSON nests more than ${MAX_JSON_DEPTH} levels deep: set aside before sanitizing`);
  return out;
}

/**
 * sanitizeJson for a value of any depth: undefined when arrays and objects nest more than
 * MAX_JSON_DEPTH levels deep (such a value is set aside, never stored), found by the same walk.
 */
export function sanitizeJsonWithin(value: unknown): { value: unknown; changed: boolean } | undefined {
  const out = walk(value, 0);
  if (out === TOO_DEEP) return undefined;
  return out === NOTHING ? { value, changed: false } : { value: out, changed: true };
}

const NOTHING = Symbol('unchanged');
const TOO_DEEP = Symbol('too deep');

/**
 * Recursive, but never deeper than MAX_JSON_DEPTH frames: past that depth it stops and says so
 * (leaving a NUL in place would make Postgres refuse the window later; going on could overflow
 * the stack).
 */
function walk(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return needsSanitizing(value) ? sanitizeText(value) : NOTHING;
  if (value === null || typeof value !== 'object') return NOTHING;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(value[i], depth + 1);
      if (v === TOO_DEEP) return TOO_DEEP;
      if (v !== NOTHING) {
        copy ??= value.slice();
        copy[i] = v;
      }
    }
    return copy ?? NOTHING;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = walk(record[key], depth + 1);
    if (v === TOO_DEEP) return TOO_DEEP;
    const badKey = needsSanitizing(key);
    if (v !== NOTHING || badKey) {
      copy ??= { ...record };
      if (badKey) delete copy[key];
      copy[badKey ? sanitizeText(key) : key] = v === NOTHING ? record[key] : v;
    }
  }
  return copy ?? NOTHING;
}

/**
 * Lenient readers for payload fields. The API sends nulls where its model says non-null and the
 * types may drift, so a field of the wrong type reads as "absent"
 * instead of failing the session.
 */

import { safeInteger } from '../util/json.js';

export { isRecord, type JsonRecord } from '../util/json.js';

/** An id-like integer or null (the warehouse's "absent"); see safeInteger. */
export const intOrNull = (value: unknown): number | null => safeInteger(value) ?? null;

/**
 * An id the warehouse can trust: a whole number from 1 to 2^53−1. Absent (missing or null) reads
 * as null with no flag; anything else that is not such a number (a fraction, 0 or negative, too
 * large to be exact, a string) reads as null AND adds `flag`, so it is never silently dropped.
 */
export function plausibleId(value: unknown, flag: string, flags: { add(flag: string): void }): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  flags.add(flag);
  return null;
}

export function strOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function boolOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** A missing field and an explicit null mean the same (the public API docs "Nulls"). */
export function isPresent(value: unknown): boolean {
  return value !== null && value !== undefined;
}

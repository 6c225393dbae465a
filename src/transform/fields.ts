/**
 * Lenient readers for payload fields. The API sends nulls where its model says non-null and the
 * types may drift (mluvii-api.md §3.1, §8.10), so a field of the wrong type reads as "absent"
 * instead of failing the session.
 */

export type JsonRecord = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id-like integer; ids are .NET longs but far below 2^53 (mluvii-api.md §8.17). */
export function intOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

export function strOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function boolOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** A missing field and an explicit null mean the same (mluvii-api.md §3.1 "Nulls"). */
export function isPresent(value: unknown): boolean {
  return value !== null && value !== undefined;
}

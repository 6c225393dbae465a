import { createHash } from 'node:crypto';

/** A short, stable hash of a JSON-serialisable value: what "content did not change" compares. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('base64url').slice(0, 32);
}

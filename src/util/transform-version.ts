import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The transform's version: a hash of its source files (src/transform, or dist/transform when
 * built), computed once at start. Stored with every session's facts (core.sessions.inputs_key),
 * so `reprocess` skips, in SQL, the sessions whose stored inputs and transform are unchanged —
 * and any change to the transform's code makes the next reprocess look at every session again,
 * without anyone having to remember to bump a constant. (A comment edit does too: a slower
 * reprocess, never a wrong one.) The transform imports nothing outside its folder.
 */
export function hashSources(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(dir, f))).update('\0');
  return h.digest('base64url').slice(0, 22);
}

let cached: string | undefined;

export function transformVersion(): string {
  cached ??= hashSources(join(dirname(fileURLToPath(import.meta.url)), '..', 'transform'));
  return cached;
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The transform's version: a hash of its source files (src/transform, or dist/transform when
 * built, plus the shared modules it runs, TRANSFORM_SHARED_MODULES), computed once at start.
 * Stored with every session's facts (core.sessions.inputs_key), so `reprocess` skips, in SQL, the
 * sessions whose stored inputs and transform are unchanged — and any change to the transform's
 * code makes the next reprocess look at every session again, without anyone having to remember
 * to bump a constant. (A comment edit does too: a slower reprocess, never a wrong one.)
 */

/**
 * The only modules outside its folder whose code the transform runs (it also imports the API's
 * payload types, which leave no code). test/foundation/architecture.test.ts holds the transform
 * to this list, so a new shared import cannot slip past the version.
 */
export const TRANSFORM_SHARED_MODULES: readonly string[] = ['util/json'];

const SOURCE = /\.(ts|js|mjs)$/;

export function hashSources(dir: string, sharedFiles: readonly string[] = []): string {
  const files = readdirSync(dir)
    .filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
  const h = createHash('sha256');
  for (const f of [...files, ...sharedFiles]) h.update(basename(f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('base64url').slice(0, 22);
}

/** The source files of TRANSFORM_SHARED_MODULES under `root` (src/ in a checkout, dist/ when built). */
export function transformSharedFiles(root: string): string[] {
  return TRANSFORM_SHARED_MODULES.map((m) => [`${m}.js`, `${m}.ts`].map((f) => join(root, f)).find(existsSync) ?? join(root, `${m}.ts`));
}

let cached: string | undefined;

export function transformVersion(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  cached ??= hashSources(join(root, 'transform'), transformSharedFiles(root));
  return cached;
}

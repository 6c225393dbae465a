/**
 * What a download pass checks of the copies it already holds before it downloads anything:
 *
 * - where they live: each copy records the folder it was stored under (files_dir). When
 *   MLUVII_FILES_DIR now names another folder (a relative setting read from another current
 *   folder, a moved disk), the pass says so, and the copies are looked for where they are: a file
 *   whose bytes are stored is never downloaded again because the setting changed;
 * - their names: copies stored as `recording:12-…` (older versions) are renamed to the portable
 *   `recording-12-…` in place, without downloading them again;
 * - (`files` only) that each is still there with its size; one that is not is forgotten, so the
 *   pass downloads it again.
 */
import { moveStored, storedSize } from '../files/store.js';
import { isPortablePath, portableStoredPath } from '../files/safe-path.js';
import { forgetStored, moveStoredPath, storedElsewhere, storedFiles, storedWithOldNames, type FileSelection, type StoredCopy } from '../load/file-downloads.js';
import type { Knex } from 'knex';
import type { Logger } from '../log.js';

const PAGE = 200;

interface LayoutDeps {
  knex: Knex;
  logger: Logger;
  /** The folder's real path now. */
  root: string;
}

/** Where a copy lives: its own folder, or (copies stored before that was recorded) today's. */
export const copyRoot = (root: string, copy: Pick<StoredCopy, 'files_dir'>): string => copy.files_dir ?? root;

/** Warns once per other folder that holds stored copies; returns how many copies live elsewhere. */
export async function noteFolderChange(deps: LayoutDeps): Promise<number> {
  const elsewhere = await storedElsewhere(deps.knex, deps.root);
  for (const e of elsewhere) {
    deps.logger.warn(
      { filesDir: deps.root, storedUnder: e.filesDir, files: e.files },
      `MLUVII_FILES_DIR is ${deps.root}, but ${e.files} stored file(s) live under ${e.filesDir}: they stay there and are not downloaded again (move them and their folder with care, or set MLUVII_FILES_DIR back)`,
    );
  }
  return elsewhere.reduce((n, e) => n + e.files, 0);
}

/** Renames copies stored under names a portable file system refuses; returns how many. */
export async function renameOldNames(deps: LayoutDeps): Promise<number> {
  let renamed = 0;
  let after: { session_id: number; file_key: string } | undefined;
  for (;;) {
    const batch = await storedWithOldNames(deps.knex, PAGE, after);
    if (batch.length === 0) break;
    after = batch[batch.length - 1];
    for (const copy of batch) {
      if (isPortablePath(copy.stored_path)) continue;
      const root = copyRoot(deps.root, copy);
      const to = portableStoredPath(copy.stored_path, copy.file_key);
      // Moved before (a pass killed between the rename and the update) or now: the row follows.
      const there = (await storedSize(root, to)) === copy.size_bytes || (await moveStored(root, copy.stored_path, to));
      if (!there) continue; // not on disk under either name: `files` finds it missing and downloads it again
      await moveStoredPath(deps.knex, copy.session_id, copy.file_key, to, root);
      renamed += 1;
    }
  }
  if (renamed) deps.logger.info({ renamed }, 'stored files renamed to portable names (no download)');
  return renamed;
}

/** Forgets stored copies missing or changed on disk (they are downloaded again); returns how many. */
export async function forgetMissingCopies(deps: LayoutDeps, sel: FileSelection): Promise<number> {
  let missing = 0;
  let after: { session_id: number; file_key: string } | undefined;
  for (;;) {
    const batch = await storedFiles(deps.knex, sel, PAGE, after);
    if (batch.length === 0) return missing;
    after = batch[batch.length - 1];
    for (const f of batch) {
      if ((await storedSize(copyRoot(deps.root, f), f.stored_path)) === f.size_bytes) continue;
      deps.logger.warn({ sessionId: f.session_id, fileKey: f.file_key }, 'a stored file is missing or changed on disk: downloading it again');
      await forgetStored(deps.knex, f.session_id, f.file_key);
      missing += 1;
    }
  }
}

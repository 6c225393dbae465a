/**
 * MLUVII_FILES_DIR before and after a pass: created, its real path found, proved writable, its
 * layout checked for links (no-links.ts) and its free space for MLUVII_FILES_MIN_FREE; afterwards
 * the temporary files of killed downloads are removed.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureFreeSpace } from './disk-space.js';
import { diskError, FilesDirError } from './errors.js';
import { refuseLinks } from './no-links.js';

export const PARTIAL_DIR = '.partial';

/**
 * Creates the folder (and its .partial), proves it takes a write, and refuses it when its layout
 * holds links or the disk is nearly full. Returns the folder's real path: the root itself may be a
 * link (systemd's StateDirectory with DynamicUser is one), nothing below it may.
 */
export async function prepareFilesDir(root: string, minFreeBytes = 0): Promise<string> {
  let real: string;
  try {
    await mkdir(root, { recursive: true });
    real = await realpath(root);
  } catch (err) {
    throw diskError(root, 'create and write files', err);
  }
  await refuseLinks(real);
  try {
    const partial = join(real, PARTIAL_DIR);
    const info = await lstat(partial).catch(() => undefined);
    if (!info) await mkdir(partial);
    else if (!info.isDirectory()) throw new FilesDirError(`MLUVII_FILES_DIR (${real}): ${PARTIAL_DIR} is in the way (not a folder)`);
    const probe = join(partial, `.probe-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fh = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await fh.write('ok');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (err) {
    throw diskError(real, 'create and write files', err);
  }
  await ensureFreeSpace(real, minFreeBytes);
  return real;
}

/**
 * Removes what killed downloads left behind; returns how many. Only when no other pass is
 * running (the caller knows), and never through a link: a `.partial` that is not a real folder is
 * left alone, and a link inside it is removed itself, never what it points to.
 */
export async function sweepPartialFiles(root: string): Promise<number> {
  const dir = join(root, PARTIAL_DIR);
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return 0;
  let removed = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) continue;
    await unlink(join(dir, e.name)).catch(() => rm(join(dir, e.name), { force: true }));
    removed += 1;
  }
  return removed;
}

/**
 * MLUVII_FILES_DIR is not trusted: whoever can write to it may have put a symbolic link where the
 * downloader expects a folder, so that a download lands outside it, or the clean-up of temporary
 * files deletes files elsewhere. The downloader therefore never follows a link inside the folder:
 *
 * - before a pass, the folder's own layout (its entries, `.partial`'s entries, and each day
 *   folder's entries, the session folders) is read without following anything; any link there
 *   stops the pass with the links named (`linksInLayout`);
 * - before it writes, renames or deletes a file, every folder between the root and that file is
 *   checked with lstat to be a real folder (`assertRealFolders`);
 * - temporary files are created exclusively and never through a link (O_EXCL | O_NOFOLLOW, store.ts).
 *
 * The root itself may be a link (e.g. /var/lib/mluvii-etl under systemd's DynamicUser): it is
 * resolved once, and everything below it is held to the rules above.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FilesDirError } from './errors.js';

/** At most this many links are named in the message (the rest are counted). */
const NAMED = 10;

async function entries(dir: string): Promise<Array<{ name: string; link: boolean; folder: boolean }>> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, link: e.isSymbolicLink(), folder: e.isDirectory() }));
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
}

async function describeLink(root: string, rel: string): Promise<string> {
  try {
    return `${rel} → ${await readlink(join(root, rel))}`;
  } catch {
    return rel;
  }
}

/** The links in the folder's own layout (relative paths, with their targets); none is followed. */
export async function linksInLayout(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const top of await entries(root)) {
    if (top.link) {
      found.push(top.name);
      continue;
    }
    if (!top.folder) continue;
    // `.partial`'s entries are temporary files; a day folder's entries are session folders.
    for (const inner of await entries(join(root, top.name))) if (inner.link) found.push(`${top.name}/${inner.name}`);
  }
  return Promise.all(found.sort().map((rel) => describeLink(root, rel)));
}

/** Stops the pass when the layout holds links, naming them. */
export async function refuseLinks(root: string): Promise<void> {
  const links = await linksInLayout(root);
  if (links.length === 0) return;
  const named = links.slice(0, NAMED).join(', ') + (links.length > NAMED ? ` and ${links.length - NAMED} more` : '');
  throw new FilesDirError(
    `MLUVII_FILES_DIR (${root}) holds ${links.length} symbolic link(s), which the downloader never follows: ${named}. ` +
      'Remove them (or put real folders in their place) and run again',
  );
}

/**
 * Checks that every folder from `root` down to `relDir` (a relative folder path, `/` separated)
 * is a real folder, not a link; FilesDirError naming the first that is not.
 */
export async function assertRealFolders(root: string, relDir: string): Promise<void> {
  let rel = '';
  for (const part of relDir.split('/').filter((p) => p !== '' && p !== '.')) {
    rel = rel ? `${rel}/${part}` : part;
    let info;
    try {
      info = await lstat(join(root, rel));
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    if (info.isSymbolicLink()) throw new FilesDirError(`MLUVII_FILES_DIR (${root}) holds a symbolic link, which the downloader never follows: ${await describeLink(root, rel)}`);
    if (!info.isDirectory()) throw new FilesDirError(`MLUVII_FILES_DIR (${root}): ${rel} is in the way (not a folder)`);
  }
}

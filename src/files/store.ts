/**
 * Writing downloads to MLUVII_FILES_DIR so that a file is either complete and verified or absent:
 *
 * 1. stream the body into `<root>/.partial/<session>-<key>.part`, hashing (sha256) and counting
 *    every byte on the way — the body is never whole in memory;
 * 2. check the size against Content-Length (a body cut short is retried, never stored);
 * 3. fsync the file, rename it to its final path (same file system: atomic), fsync the folder.
 *
 * A process killed anywhere in between leaves at most a `.part` file, which the next pass
 * removes; the final name only ever holds a complete file. Failures of the disk itself (full,
 * read-only, no permission) are FilesDirError: they stop the command with a clear message,
 * since every other file would fail the same way.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { DownloadConsumerError } from '../mluvii/client.js';
import { resolveInside } from './safe-path.js';

export const PARTIAL_DIR = '.partial';

const DISK_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'a folder is in the way',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error',
  ENAMETOOLONG: 'path too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/** The files folder cannot take the download: the command stops with this message. */
export class FilesDirError extends DownloadConsumerError {
  override name = 'FilesDirError';
}

function diskError(root: string, action: string, err: unknown): FilesDirError {
  const code = (err as { code?: unknown })?.code;
  const what = typeof code === 'string' && DISK_CODES[code] ? `${DISK_CODES[code]} (${code})` : err instanceof Error ? err.message : String(err);
  return new FilesDirError(`cannot ${action} in MLUVII_FILES_DIR (${root}): ${what}`);
}

const isDiskError = (err: unknown): boolean => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code in DISK_CODES;

/** Creates the folder (and its .partial) and proves it takes a write; FilesDirError otherwise. */
export async function prepareFilesDir(root: string): Promise<void> {
  try {
    await mkdir(join(root, PARTIAL_DIR), { recursive: true });
    const probe = join(root, PARTIAL_DIR, `.probe-${process.pid}`);
    const fh = await open(probe, 'w');
    try {
      await fh.write('ok');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (err) {
    throw diskError(root, 'create and write files', err);
  }
}

/** Removes what killed downloads left behind; returns how many. */
export async function sweepPartialFiles(root: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(join(root, PARTIAL_DIR));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    await rm(join(root, PARTIAL_DIR, n), { force: true });
    removed += 1;
  }
  return removed;
}

export interface StoredFile {
  sizeBytes: number;
  sha256: string;
}

/** A body that ended before Content-Length: retried by the downloader, never stored. */
export class TruncatedBodyError extends Error {
  override name = 'TruncatedBodyError';
}

/**
 * Streams `body` to `<root>/<rel>` as described above. `partialName` names the temporary file
 * (unique per file: one writer at a time holds the lock).
 */
export async function storeAtomically(root: string, rel: string, partialName: string, body: Readable, contentLength: number | undefined): Promise<StoredFile> {
  const finalPath = resolveInside(root, rel);
  const partial = resolveInside(root, `${PARTIAL_DIR}/${partialName}`);
  try {
    await mkdir(dirname(finalPath), { recursive: true });
  } catch (err) {
    body.destroy();
    throw diskError(root, 'create a folder', err);
  }
  const hash = createHash('sha256');
  let size = 0;
  let writeFailed: unknown;
  try {
    // flush: the file is fsynced before it is closed, so "finished" means "on the disk".
    const out = createWriteStream(partial, { flush: true, highWaterMark: 1 << 20 });
    out.once('error', (err) => (writeFailed = err));
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      out,
    );
    if (contentLength !== undefined && size !== contentLength) throw new TruncatedBodyError(`the body had ${size} bytes, Content-Length said ${contentLength}`);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    // A failed body destroys the file stream with ITS error: only the disk's own codes are the disk's fault.
    if (isDiskError(writeFailed)) throw diskError(root, 'write a file', writeFailed);
    if (isDiskError(err)) throw diskError(root, 'write a file', err);
    throw err;
  }
  try {
    await rename(partial, finalPath);
    const dir = await open(dirname(finalPath), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw diskError(root, 'finish a file', err);
  }
  return { sizeBytes: size, sha256: hash.digest('hex') };
}

/** Size of a stored file, or undefined when it is not there. */
export async function storedSize(root: string, rel: string): Promise<number | undefined> {
  try {
    return (await stat(resolveInside(root, rel))).size;
  } catch {
    return undefined;
  }
}

/** Deletes a stored file (retention); missing is fine. Empty day/session folders are left alone. */
export async function removeStored(root: string, rel: string): Promise<void> {
  try {
    await rm(resolveInside(root, rel), { force: true });
  } catch (err) {
    throw diskError(root, 'delete a file', err);
  }
}

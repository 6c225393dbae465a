/**
 * Writing downloads to MLUVII_FILES_DIR so that a file is either complete and verified or absent:
 *
 * 1. before a byte is written: the announced size against MLUVII_MAX_FILE_BYTES and the free
 *    space, and the Content-Type against what the file is (body-checks.ts);
 * 2. stream the body into a temporary file `.partial/<unique>.part`, created exclusively and never
 *    through a link, hashing (sha256) and counting every byte on the way — the body is never whole
 *    in memory; the first bytes are looked at (an HTML page is not a recording), the size is held
 *    to MLUVII_MAX_FILE_BYTES, and the free space is looked at again every 64 MiB;
 * 3. check the size against Content-Length (a body cut short is retried, never stored);
 * 4. fsync the file, rename it to its final path (same file system: atomic) once the folders on
 *    the way are checked to be real folders (no-links.ts), fsync the folder.
 *
 * A process killed anywhere in between leaves at most a `.part` file, which the next pass
 * removes; the final name only ever holds a complete file. Failures of the disk itself are
 * FilesDirError (errors.ts); a body we do not keep is RefusedBodyError.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { HEAD_BYTES, refusedByContentType, refusedByFirstBytes, type FileKind } from './body-checks.js';
import { CHECK_EVERY_BYTES, ensureFreeSpace } from './disk-space.js';
import { diskError, FilesDirError, isDiskError, RefusedBodyError, TruncatedBodyError } from './errors.js';
import { PARTIAL_DIR } from './folder.js';
import { assertRealFolders } from './no-links.js';
import { resolveInside } from './safe-path.js';

export { FilesDirError, RefusedBodyError, TruncatedBodyError } from './errors.js';
export { PARTIAL_DIR, prepareFilesDir, sweepPartialFiles } from './folder.js';

/** A new file, written only, created here or not at all, never through a symbolic link. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface StoredFile {
  sizeBytes: number;
  sha256: string;
}

export interface StoreOptions {
  /** Content-Length when the server sent one. */
  contentLength?: number;
  /** Content-Type when the server sent one. */
  contentType?: string;
  /** What the file is (a recording is never an HTML page). */
  kind: FileKind;
  /** The file's name as mluvii gives it (only its extension is looked at). */
  name: string | null;
  /** MLUVII_MAX_FILE_BYTES. */
  maxBytes: number;
  /** MLUVII_FILES_MIN_FREE. */
  minFreeBytes: number;
}

/** Unlimited checks, for callers that only store (the benchmark). */
export const NO_LIMITS = { maxBytes: Number.MAX_SAFE_INTEGER, minFreeBytes: 0 } as const;

const tooLarge = (size: number, maxBytes: number, how: string) =>
  new RefusedBodyError('too_large', `${how} ${size} bytes, more than MLUVII_MAX_FILE_BYTES (${maxBytes}): not downloaded (raise the limit, then files --retry-failed)`, size);

/** Streams `body` to `<root>/<rel>` as described above. */
export async function storeAtomically(root: string, rel: string, body: Readable, opts: StoreOptions): Promise<StoredFile> {
  const finalPath = resolveInside(root, rel);
  const partial = resolveInside(root, `${PARTIAL_DIR}/${randomBytes(12).toString('hex')}.part`);
  const { contentLength, maxBytes } = opts;
  try {
    if (contentLength !== undefined && contentLength > maxBytes) throw tooLarge(contentLength, maxBytes, 'the server announces');
    const refused = refusedByContentType(opts.contentType, opts.kind, opts.name);
    if (refused) throw new RefusedBodyError('failed', refused);
    await ensureFreeSpace(root, opts.minFreeBytes, contentLength ?? 0, 'the next file');
    await assertRealFolders(root, `${dirname(rel)}`);
    await mkdir(dirname(finalPath), { recursive: true }).catch((err: unknown) => {
      throw diskError(root, 'create a folder', err);
    });
    await assertRealFolders(root, `${dirname(rel)}`);
    await assertRealFolders(root, PARTIAL_DIR);
  } catch (err) {
    body.destroy();
    throw err;
  }

  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let nextSpaceCheck = CHECK_EVERY_BYTES;
  let writeFailed: unknown;
  let fh;
  try {
    fh = await open(partial, CREATE_NEW, 0o640);
  } catch (err) {
    body.destroy();
    throw diskError(root, 'create a temporary file', err);
  }
  try {
    const out = fileWriter(fh);
    out.once('error', (err) => (writeFailed = err));
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (size > maxBytes) return done(tooLarge(size, maxBytes, 'the body went past'));
          if (head.length < HEAD_BYTES) {
            head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
            const refused = head.length >= HEAD_BYTES ? refusedByFirstBytes(head, opts.kind, opts.name) : undefined;
            if (refused) return done(new RefusedBodyError('failed', refused));
          }
          hash.update(chunk);
          if (size < nextSpaceCheck) return done(null, chunk);
          nextSpaceCheck = size + CHECK_EVERY_BYTES;
          ensureFreeSpace(root, opts.minFreeBytes).then(() => done(null, chunk), done);
        },
        flush(done) {
          const refused = head.length < HEAD_BYTES ? refusedByFirstBytes(head, opts.kind, opts.name) : undefined;
          done(refused ? new RefusedBodyError('failed', refused) : null);
        },
      }),
      out,
    );
    if (contentLength !== undefined && size !== contentLength) throw new TruncatedBodyError(`the body had ${size} bytes, Content-Length said ${contentLength}`);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(partial, { force: true }).catch(() => undefined);
    // A failed body destroys the file stream with ITS error: only the disk's own codes are the disk's fault.
    if (isDiskError(writeFailed)) throw diskError(root, 'write a file', writeFailed);
    if (err instanceof RefusedBodyError || err instanceof FilesDirError) throw err;
    if (isDiskError(err)) throw diskError(root, 'write a file', err);
    throw err;
  }
  try {
    await fh.close();
    // Checked again just before: a link put in place during the download is not followed either.
    await assertRealFolders(root, dirname(rel));
    await rename(partial, finalPath);
    const dir = await open(dirname(finalPath), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
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

/** Writes to an open file, every byte (a short write is continued); the caller syncs and closes it. */
function fileWriter(fh: FileHandle): Writable {
  const writeAll = async (chunk: Buffer) => {
    for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
  };
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      writeAll(chunk).then(() => done(), done);
    },
    writev(chunks, done) {
      writeAll(Buffer.concat(chunks.map((c) => c.chunk as Buffer))).then(() => done(), done);
    },
  });
}

/** Size of a stored file, or undefined when it is not there as a plain file (a link is not a stored copy). */
export async function storedSize(root: string, rel: string): Promise<number | undefined> {
  try {
    await assertRealFolders(root, dirname(rel));
    const info = await lstat(resolveInside(root, rel));
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes a stored file (retention); missing is fine. Empty day/session folders are left alone. */
export async function removeStored(root: string, rel: string): Promise<void> {
  try {
    await assertRealFolders(root, dirname(rel));
    await rm(resolveInside(root, rel), { force: true });
  } catch (err) {
    throw diskError(root, 'delete a file', err);
  }
}

/** Moves a stored copy to another path under the same root (portable names); false when it is not there. */
export async function moveStored(root: string, from: string, to: string): Promise<boolean> {
  try {
    await assertRealFolders(root, dirname(from));
    const info = await lstat(resolveInside(root, from)).catch(() => undefined);
    if (!info?.isFile()) return false;
    await assertRealFolders(root, dirname(to));
    await mkdir(dirname(resolveInside(root, to)), { recursive: true });
    await assertRealFolders(root, dirname(to));
    await rename(resolveInside(root, from), resolveInside(root, to));
    return true;
  } catch (err) {
    throw diskError(root, 'rename a file', err);
  }
}

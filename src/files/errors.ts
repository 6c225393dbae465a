/**
 * What can stop a download on our side. All are DownloadConsumerErrors: the downloader passes
 * them through at once, never retrying them.
 *
 * - FilesDirError: the folder cannot take files (full, unwritable, links inside it): the command
 *   stops with the message, since every other file would fail the same way.
 * - RefusedBodyError: this one file's body is not kept (too large, not what the file says it is):
 *   the file gets the state and the reason, and the pass goes on.
 */
import { DownloadConsumerError } from '../mluvii/client.js';

export class FilesDirError extends DownloadConsumerError {
  override name = 'FilesDirError';
}

export class RefusedBodyError extends DownloadConsumerError {
  override name = 'RefusedBodyError';
  constructor(
    /** too_large: over MLUVII_MAX_FILE_BYTES (not retried until the limit is raised); failed: anything else. */
    readonly state: 'too_large' | 'failed',
    message: string,
    /** too_large: the size announced, or the bytes received when the download was stopped. */
    readonly sizeBytes?: number,
  ) {
    super(message);
  }
}

/** A body that ended before Content-Length: retried by the downloader, never stored. */
export class TruncatedBodyError extends Error {
  override name = 'TruncatedBodyError';
}

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
  ELOOP: 'a symbolic link is in the way (never followed)',
  EEXIST: 'a file is in the way',
};

export function diskError(root: string, action: string, err: unknown): FilesDirError {
  if (err instanceof FilesDirError) return err;
  const code = (err as { code?: unknown })?.code;
  const what = typeof code === 'string' && DISK_CODES[code] ? `${DISK_CODES[code]} (${code})` : err instanceof Error ? err.message : String(err);
  return new FilesDirError(`cannot ${action} in MLUVII_FILES_DIR (${root}): ${what}`);
}

export const isDiskError = (err: unknown): boolean =>
  err instanceof FilesDirError || (typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code in DISK_CODES);

/**
 * Free space on the disk of MLUVII_FILES_DIR. A pass checks it before it starts, before each
 * file whose size is announced, and every CHECK_EVERY_BYTES while a body streams, so that the
 * downloads stop with a clear message while MLUVII_FILES_MIN_FREE bytes are still free, rather
 * than fill the disk (which the warehouse, the logs or the system may share).
 */
import { statfs } from 'node:fs/promises';
import { diskError, FilesDirError } from './errors.js';

/** How often a streaming body looks at the free space again. */
export const CHECK_EVERY_BYTES = 64 * 1024 * 1024;

export async function freeBytes(root: string): Promise<number> {
  try {
    const s = await statfs(root);
    return s.bavail * s.bsize;
  } catch (err) {
    throw diskError(root, 'read the free space', err);
  }
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

/**
 * FilesDirError unless `needBytes` more can be written and `minFreeBytes` still stay free.
 * `what` says what the bytes are for (in the message).
 */
export async function ensureFreeSpace(root: string, minFreeBytes: number, needBytes = 0, what = 'downloads'): Promise<void> {
  const free = await freeBytes(root);
  if (free - needBytes >= minFreeBytes) return;
  const need = needBytes > 0 ? `${what} needs ${needBytes} bytes (${gib(needBytes)}), ` : '';
  throw new FilesDirError(
    `not enough free space in MLUVII_FILES_DIR (${root}): ${need}${free} bytes (${gib(free)}) are free and MLUVII_FILES_MIN_FREE keeps ${minFreeBytes} bytes (${gib(minFreeBytes)}) free; ` +
      'free some space (or lower FILES_RETENTION) and run again',
  );
}

/**
 * The bytes of a recording or shared file: size and content are a fixed draw per file, generated
 * as they are sent, so a file of 500 MB costs the server no memory, and `expectedContent` tells a
 * test what a download must have stored.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sleep } from '../util/sleep.js';
import { mixSeed, Rng } from './random.js';

/** The switches of SimulatedFiles (files.ts) that shape content. */
export interface ContentSwitches {
  fixedBytes?: number;
  slowLargeRate?: number;
  largeBytes?: number;
  slowChunkDelayMs?: number;
}

const SALT = { size: 0x512e, slow: 0x5107, bytes: 0xb7e5 };
const BLOCK = 65_536;

/** A fixed draw per seed and file (or session) number: true for a share `rate` of them. */
export function chance(seed: number, id: number, salt: number, rate: number | undefined): boolean {
  if (!(rate !== undefined && rate > 0)) return false;
  return new Rng(mixSeed(seed, id, salt)).next() < rate;
}

/** The numeric id behind a content key (`recording-12`, `file-34`) used for every draw. */
export function keyNumber(key: string): number {
  return Number(key.slice(key.indexOf('-') + 1)) * 2 + (key.startsWith('file-') ? 1 : 0);
}

export function contentSize(seed: number, sw: ContentSwitches, key: string): number {
  const n = keyNumber(key);
  if (sw.fixedBytes !== undefined) return sw.fixedBytes;
  if (chance(seed, n, SALT.slow, sw.slowLargeRate)) return sw.largeBytes ?? 3 * 1024 * 1024;
  const r = new Rng(mixSeed(seed, n, SALT.size));
  return key.startsWith('recording-') ? r.int(20_000, 150_000) : r.int(1_000, 50_000);
}

/** The file's pseudo-random block; the content is this block repeated, cut at its size. */
function block(seed: number, key: string): Buffer {
  const r = new Rng(mixSeed(seed, keyNumber(key), SALT.bytes));
  const b = Buffer.allocUnsafe(BLOCK);
  for (let i = 0; i < BLOCK; i += 4) b.writeUInt32LE(Math.floor(r.next() * 4294967296) >>> 0, i);
  return b;
}

/** Size and sha256 of a file's content, as a download must store it. */
export function expectedContent(seed: number, sw: ContentSwitches, key: string): { size: number; sha256: string } {
  const size = contentSize(seed, sw, key);
  const b = block(seed, key);
  const hash = createHash('sha256');
  for (let off = 0; off < size; off += BLOCK) hash.update(b.subarray(0, Math.min(BLOCK, size - off)));
  return { size, sha256: hash.digest('hex') };
}

/**
 * Sends the content (slowly for a `slowLargeRate` file); `cut` resets the connection halfway.
 * `dripMs`, asked before each chunk: while it gives a number, one byte is sent every that many ms
 * (a body that trickles), then the rest at full speed. `gone`: the client left first.
 */
export async function sendContent(
  res: ServerResponse,
  seed: number,
  sw: ContentSwitches,
  key: string,
  cut: boolean,
  dripMs: () => number | undefined = () => undefined,
): Promise<'complete' | 'cut' | 'gone'> {
  const size = contentSize(seed, sw, key);
  const b = block(seed, key);
  const slow = chance(seed, keyNumber(key), SALT.slow, sw.slowLargeRate);
  res.writeHead(200, { 'content-type': key.startsWith('recording-') ? 'audio/ogg' : 'application/octet-stream', 'content-length': String(size) });
  let sent = 0;
  while (sent < size) {
    if (res.destroyed) return 'gone';
    if (cut && sent >= size / 2) {
      res.destroy();
      return 'cut';
    }
    const drip = dripMs();
    const off = sent % BLOCK;
    const chunk = b.subarray(off, off + (drip === undefined ? Math.min(BLOCK - off, size - sent) : 1));
    sent += chunk.length;
    res.write(chunk);
    if (drip !== undefined) await sleep(drip);
    else if (slow) await sleep(sw.slowChunkDelayMs ?? 2);
    // Asked after the pause: a 'drain' during it must not be waited for again.
    if (res.writableNeedDrain && !res.destroyed) await drained(res);
  }
  res.end();
  return 'complete';
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** A body that never ends (no Content-Length): pseudo-random bytes until the client leaves. */
export async function sendEndless(res: ServerResponse, seed: number, key: string): Promise<'gone'> {
  const b = block(seed, key);
  res.writeHead(200, { 'content-type': key.startsWith('recording-') ? 'audio/ogg' : 'application/octet-stream' });
  while (!res.destroyed) {
    res.write(b);
    if (res.writableNeedDrain && !res.destroyed) await drained(res);
  }
  return 'gone';
}

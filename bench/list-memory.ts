/**
 * Memory of reading a list page (issue "payloads that block a day forever"): peak RSS of a process
 * that lists one window whose page holds a 500 MB item among 200 sessions, against the same page
 * without the big item (the baseline, same run), and against the way pages were read before this
 * change (the whole body as one string, JSON.parse, each item stringified to be measured).
 *   node --import tsx bench/list-memory.ts [--quick]     (quick: the same sizes, the before-case skipped)
 * Goal: peak RSS with the 500 MB item < 300 MB. Each case runs in a child process of its own, so its
 * peak (getrusage maxrss) is the reader's alone; the page is served from this process by a small
 * server that writes the item in 1 MiB pieces with backpressure (no string of it exists here either).
 */
import { execFile } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DAY_MS } from '../src/util/dates.js';
import { generateSessions } from '../src/simulator/generator.js';
import { startSimulator } from '../src/simulator/server.js';
import { QUICK, ratio, report } from './lib.js';

const MB = 1_000_000;
const BIG_ITEM_BYTES = 500 * MB;
const SESSIONS = 200;

const sessions = [...generateSessions({ seed: 4, from: new Date('2026-06-01T00:00:00Z'), to: new Date(Date.parse('2026-06-01T00:00:00Z') + DAY_MS), sessionsPerDay: 400 })]
  .slice(0, SESSIONS)
  .map((s) => Buffer.from(JSON.stringify(s.session)));

async function write(res: ServerResponse, piece: Buffer): Promise<void> {
  if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
}

/** The first page: the sessions, with the big item in the middle when `big`; every later request (the probe, the next page) is empty. */
async function servePage(res: ServerResponse, big: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  await write(res, Buffer.from('['));
  for (const [i, s] of sessions.entries()) {
    if (i > 0) await write(res, Buffer.from(','));
    if (big && i === SESSIONS / 2) {
      const open = Buffer.from('{"id":4242,"created":"2026-06-01T12:00:00Z","guest":{"callParams":{"padding":"');
      const close = Buffer.from('"}}},');
      const pad = Buffer.alloc(1 << 20, 0x78);
      await write(res, open);
      for (let left = BIG_ITEM_BYTES - open.length - close.length; left > 0; left -= pad.length) await write(res, left >= pad.length ? pad : pad.subarray(0, left));
      await write(res, close);
    }
    await write(res, s);
  }
  res.end(']');
}

function child(args: Record<string, unknown>): Promise<{ peakRssMiB: number; idleRssMiB: number; items: number; oversized: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/list-memory-child.ts', JSON.stringify(args)], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (stderr) process.stderr.write(stderr);
      if (err) reject(err);
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    });
  });
}

async function main() {
  const sim = await startSimulator({ seed: 4, sessionsPerDay: 10, now: () => new Date('2026-06-10T00:00:00Z') });
  let big = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/Sessions') return void res.writeHead(404).end();
    if (Number(url.searchParams.get('offset')) !== 0) return void res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    servePage(res, big).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokenUrl: `${sim.url}/login/connect/token`, clientId: sim.clientId, clientSecret: sim.clientSecret };
  try {
    const baseline = await child({ ...base, mode: 'stream' });
    big = true;
    const withBig = await child({ ...base, mode: 'stream' });
    const before = QUICK ? undefined : await child({ ...base, mode: 'whole' }).catch((e: unknown) => ({ error: String(e) }));
    report('list-memory', {
      page: `${SESSIONS} simulator sessions (${(sessions.reduce((n, s) => n + s.length, 0) / MB).toFixed(1)} MB) + one item of ${BIG_ITEM_BYTES / MB} MB`,
      'baseline.peak_rss_mib': baseline.peakRssMiB,
      'baseline.items': baseline.items,
      'big_item.peak_rss_mib': withBig.peakRssMiB,
      goal: 'big_item.peak_rss_mib < 300 MB',
      'big_item.idle_rss_mib': withBig.idleRssMiB,
      'big_item.items': withBig.items,
      'big_item.oversized': withBig.oversized,
      'big_item.seconds': withBig.seconds,
      'big_item.mb_per_s': Number((BIG_ITEM_BYTES / MB / withBig.seconds).toFixed(0)),
      ratio_vs_baseline: ratio(withBig.peakRssMiB, baseline.peakRssMiB),
      ...(before === undefined ? {} : 'error' in before ? { 'before.error': before.error } : { 'before.peak_rss_mib': before.peakRssMiB, 'before.seconds': before.seconds, ratio_before_vs_now: ratio(before.peakRssMiB, withBig.peakRssMiB) }),
      note: 'peak = getrusage maxrss of the reading process; shared machine',
    });
  } finally {
    server.closeAllConnections();
    server.close();
    await sim.stop();
  }
}

await main();

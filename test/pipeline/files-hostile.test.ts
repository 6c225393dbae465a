/**
 * Files that block runs, fill disks or are not files, through the real CLI against the
 * simulator's hostile switches (src/simulator/files.ts): a body that trickles, a body that never
 * ends, a size announced beyond the limit or beyond the free space, a login page in place of a
 * recording. Each ends with a clear reason or state, and nothing but complete files on disk.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator, type SimulatedFiles } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { inProcessCli as cli } from '../helpers/in-process-cli.js';
import { pipelineEnv } from '../helpers/warehouse.js';

jest.setTimeout(120_000);

const DAY = ['--from', '2026-05-04', '--to', '2026-05-05'];
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface World {
  sim: RunningSimulator;
  db: TestDatabase;
  dir: string;
  env: (extra?: Record<string, string>) => Record<string, string>;
  /** The files the metadata says can be downloaded. */
  available: Array<{ session_id: number; file_key: string; kind: string }>;
}

/** A simulator with `files` switches, a warehouse with one day's metadata loaded, an empty files folder. */
async function world(files: SimulatedFiles, sessionsPerDay = 10): Promise<World> {
  const sim = await startSimulator({ seed: 21, sessionsPerDay, files: { sharedFileRate: 0.5, ...files }, now: () => new Date('2026-05-10T00:00:00Z') });
  const db = await freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'mluvii-hostile-'));
  cleanup.push(() => sim.stop(), () => db.drop(), () => rmSync(dir, { recursive: true, force: true }));
  expect((await cli(['backfill', ...DAY], pipelineEnv(db, sim))).code).toBe(0);
  const available = (await db.knex.raw(`SELECT session_id, file_key, kind FROM reporting.session_files WHERE state = 'available' ORDER BY 1, 2`)).rows;
  expect(available.length).toBeGreaterThan(3);
  return { sim, db, dir, env: (extra = {}) => pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir, ...extra }), available };
}

const rows = async (w: World) =>
  (await w.db.knex.raw(`SELECT v.session_id, v.file_key, v.kind, v.state, v.size_bytes, d.reason FROM reporting.session_files v
                         LEFT JOIN core.file_downloads d USING (session_id, file_key) ORDER BY 1, 2`)).rows as Array<{
    session_id: number; file_key: string; kind: string; state: string; size_bytes: string | null; reason: string | null;
  }>;

/** Everything in the folder but the (empty) .partial: the day folders and what is in them. */
function onDisk(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out;
}

const beganOf = (w: World) => new Map(w.sim.files!.begun);

describe('a body that never finishes', () => {
  it('one byte every few hundred ms is given up at MLUVII_FILE_TIMEOUT with that reason, and the pass ends', async () => {
    const w = await world({ dripRate: 1, dripIntervalMs: 300, fixedBytes: 5_000 });
    const r = await cli(['files'], w.env({ MLUVII_FILE_TIMEOUT: '1s' }));
    expect(r.code).toBe(1); // failed now: exit 1 (the lead's exit codes decide later)
    const after = await rows(w);
    for (const f of w.available) {
      const row = after.find((x) => x.session_id === f.session_id && x.file_key === f.file_key);
      expect([f.file_key, row?.state, row?.reason]).toEqual([f.file_key, 'failed', expect.stringMatching(/did not finish within 1 s \(MLUVII_FILE_TIMEOUT 1 s\): given up$/)]);
    }
    expect(onDisk(w.dir)).toEqual([]);
  });

  it('the deadline grows with the size announced: a large file gets proportionally longer', async () => {
    const { fileDeadlineMs } = await import('../../src/mluvii/client.js');
    expect(fileDeadlineMs(600_000, undefined)).toBe(600_000);
    expect(fileDeadlineMs(600_000, 50 * 2 ** 20)).toBe(600_000);
    expect(fileDeadlineMs(600_000, 1024 * 2 ** 20)).toBe(6_144_000); // 1 GiB: 10.24 × 10 min
  });
});

describe('a body larger than MLUVII_MAX_FILE_BYTES', () => {
  it('an endless body stops at the limit: too_large, not retried every night nor by --retry-failed, tried again once the limit is raised', async () => {
    const w = await world({ endlessRate: 1 });
    const MiB = 2 ** 20;
    const first = await cli(['files'], w.env({ MLUVII_MAX_FILE_BYTES: '1MiB' }));
    expect([first.code, first.out]).toEqual([0, expect.stringContaining(`${w.available.length} too large`)]); // a state of its own, not a failure
    for (const row of (await rows(w)).filter((x) => w.available.some((a) => a.session_id === x.session_id && a.file_key === x.file_key))) {
      expect([row.file_key, row.state]).toEqual([row.file_key, 'too_large']);
      expect(Number(row.size_bytes)).toBeGreaterThan(MiB);
      expect(Number(row.size_bytes)).toBeLessThanOrEqual(2 * MiB);
      expect(row.reason).toBe(`larger than MLUVII_MAX_FILE_BYTES (${MiB} bytes): not downloaded; raise the limit, then files --retry-failed`);
    }
    expect(onDisk(w.dir)).toEqual([]);

    const begun = beganOf(w);
    for (const args of [['files'], ['files', '--retry-failed']]) {
      const again = await cli(args, w.env({ MLUVII_MAX_FILE_BYTES: '1MiB' }));
      expect(again.code).toBe(0);
    }
    expect(beganOf(w)).toEqual(begun); // not one request for them

    const raised = await cli(['files', '--retry-failed'], w.env({ MLUVII_MAX_FILE_BYTES: '2MiB' }));
    expect(raised.code).toBe(0);
    for (const [key, n] of w.sim.files!.begun) expect([key, n]).toEqual([key, (begun.get(key) ?? 0) + 1]);
    for (const row of (await rows(w)).filter((x) => x.state === 'too_large')) expect(Number(row.size_bytes)).toBeGreaterThan(2 * MiB);
  });

  it('a size announced beyond the limit is refused before a byte is written', async () => {
    const w = await world({ fixedBytes: 3 * 2 ** 20 });
    const r = await cli(['files'], w.env({ MLUVII_MAX_FILE_BYTES: '1MiB' }));
    expect(r.code).toBe(0);
    const after = (await rows(w)).filter((x) => w.available.some((a) => a.session_id === x.session_id && a.file_key === x.file_key));
    expect(after.map((x) => [x.state, Number(x.size_bytes)])).toEqual(w.available.map(() => ['too_large', 3 * 2 ** 20]));
    expect(onDisk(w.dir)).toEqual([]);
  });

  it('a size announced beyond the free space stops the pass with a clear message, leaving the file pending', async () => {
    const w = await world({ fixedBytes: 1e15 });
    const r = await cli(['files'], w.env({ MLUVII_MAX_FILE_BYTES: '2000TB' }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not enough free space in MLUVII_FILES_DIR \(.*\): the next file needs 1000000000000000 bytes \(931322\.57 GiB\), \d+ bytes .* are free/);
    // Its deadline (years, scaled by the size) is longer than a Node timer holds: armed in steps, never fired at once.
    expect(r.err).not.toMatch(/TimeoutOverflowWarning|did not finish within/);
    expect((await rows(w)).filter((x) => x.state !== 'available' && x.state !== 'failed')).toEqual([]);
    expect(onDisk(w.dir)).toEqual([]);
  });
});

describe('a body that cannot be what the file says it is', () => {
  it('a login page answered 200 text/html is a failure with that reason, never a stored recording; --retry-failed says how many it lists of how many', async () => {
    const w = await world({ htmlLoginRate: 1 }, 30);
    const r = await cli(['files'], w.env());
    expect(r.code).toBe(1);
    const after = await rows(w);
    const failed = after.filter((x) => w.available.some((a) => a.session_id === x.session_id && a.file_key === x.file_key));
    expect(failed.map((x) => x.state)).toEqual(w.available.map(() => 'failed'));
    for (const row of failed) {
      expect(row.reason).toMatch(
        row.kind === 'recording'
          ? /^the server answered text\/html, which is never a recording \(a login or error page\?\): not stored$/
          : /^the server answered text\/html \(a web page\) for a \.pdf file \(a login or error page\?\): not stored$/,
      );
    }
    expect(onDisk(w.dir)).toEqual([]);
    const n = w.available.length;
    expect(n).toBeGreaterThan(20);
    expect(r.out).toContain(`failed now (the first 20 of ${n} listed; every reason: status):`);
    expect(r.out).toContain(`  … and ${n - 20} more`);

    // The same page labelled as binary is known by its first bytes.
    w.sim.files!.opts.htmlLoginType = 'application/octet-stream';
    const again = await cli(['files', '--retry-failed'], w.env());
    expect(again.code).toBe(1);
    for (const row of (await rows(w)).filter((x) => x.state === 'failed' && failed.some((f) => f.file_key === x.file_key))) {
      expect(row.reason).toMatch(row.kind === 'recording' ? /^the body is an HTML page, not a recording/ : /^the body is an HTML page, not a \.pdf file/);
    }
    expect(onDisk(w.dir)).toEqual([]);
  });
});

describe('the pieces on their own', () => {
  it('recognise pages by type and by first bytes, and let unknown or real content pass', async () => {
    const { refusedByContentType, refusedByFirstBytes } = await import('../../src/files/body-checks.js');
    expect(refusedByContentType('text/html; charset=utf-8', 'recording', 'a.ogg')).toMatch(/never a recording/);
    expect(refusedByContentType('application/json', 'recording', null)).toMatch(/never a recording/);
    expect(refusedByContentType('audio/ogg', 'recording', 'a.ogg')).toBeUndefined();
    expect(refusedByContentType('application/octet-stream', 'recording', null)).toBeUndefined();
    expect(refusedByContentType(undefined, 'recording', null)).toBeUndefined();
    expect(refusedByContentType('text/html', 'file', 'page.html')).toBeUndefined(); // a guest may share a web page
    expect(refusedByContentType('text/html', 'file', 'notes')).toBeUndefined(); // no extension: unknown, passes
    expect(refusedByContentType('text/html', 'file', 'smlouva.pdf')).toMatch(/for a \.pdf file/);
    expect(refusedByFirstBytes(Buffer.from('\uFEFF  <!DOCTYPE html><html>'), 'recording', null)).toMatch(/an HTML page, not a recording/);
    expect(refusedByFirstBytes(Buffer.from('{"error":"unauthorized"}'), 'recording', null)).toMatch(/a JSON document, not a recording/);
    expect(refusedByFirstBytes(Buffer.from('OggS\u0000\u0002'), 'recording', null)).toBeUndefined();
    expect(refusedByFirstBytes(Buffer.from('<html><body>hi</body></html>'), 'file', 'page.htm')).toBeUndefined();
    expect(refusedByFirstBytes(Buffer.from('<html><body>hi</body></html>'), 'file', 'scan.PDF')).toMatch(/not a \.pdf file/);
    expect(refusedByFirstBytes(Buffer.from('%PDF-1.7'), 'file', 'scan.pdf')).toBeUndefined();
  });
});

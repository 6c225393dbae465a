/**
 * Recordings and shared files through the real CLI (src/cli.ts `main`) against the simulator
 * serving them with every misbehaviour of src/simulator/files.ts: metadata always, downloads when
 * MLUVII_FILES_DIR is set, the token only ever at the API's origin, expired addresses, processing
 * recordings, 404s, bodies cut short, redirects, foreign hosts, hostile names, idempotent reruns,
 * retention, and a full or unwritable folder.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli.js';
import { fileCounts } from '../../src/load/file-figures.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt, TEST_NOW } from '../helpers/clock.js';
import { inProcessCli } from '../helpers/in-process-cli.js';

const FROM = '2026-05-04';
const TO = '2026-05-06';
const FILES = {
  sharedFileRate: 0.5,
  expiredUrlRate: 0.2,
  notFoundRate: 0.08,
  cutShortRate: 0.1,
  redirectRate: 0.15,
  foreignPresignedRate: 0.1,
  foreignUnsignedRate: 0.06,
  hostileNameRate: 0.4,
  processingRate: 0.15,
  processing: true,
  slowLargeRate: 0.03,
  largeBytes: 600_000,
  slowChunkDelayMs: 1,
};

let sim: RunningSimulator;
let meta: TestDatabase;
let dl: TestDatabase;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 12, sessionsPerDay: 80, files: { ...FILES } });
  [meta, dl] = await Promise.all([freshDatabase(), freshDatabase()]);
  dir = mkdtempSync(join(tmpdir(), 'mluvii-files-'));
});
afterAll(async () => {
  await sim?.stop();
  await meta?.drop();
  await dl?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = inProcessCli;

interface FileRow {
  session_id: number;
  file_key: string;
  kind: string;
  name: string | null;
  user_id: number | null;
  started_at: Date | null;
  duration_s: string | null;
  recording_type: string | null;
  size_bytes: string | null;
  sha256: string | null;
  stored_path: string | null;
  state: string;
  downloaded_at: Date | null;
  deleted_reason: string | null;
}

const viewRows = async (db: TestDatabase): Promise<FileRow[]> =>
  (await db.knex.raw(`SELECT * FROM reporting.session_files ORDER BY session_id, file_key`)).rows;

/** The files the simulator's details list, from its payloads (independent of the transform). */
function expectedKeys(ids: number[]): Map<string, { kind: string; state: string; contentKey: string }> {
  const out = new Map<string, { kind: string; state: string; contentKey: string }>();
  for (const id of ids) {
    const s = sim.sessionDetail(id)?.session;
    if (!s) continue;
    for (const r of s.recordings ?? []) {
      const state = s.recordingsState === 'Processing' ? 'processing' : s.recordingsState === 'FailedToProcess' ? 'failed' : 'available';
      out.set(`${id}/recording:${r.id}`, { kind: 'recording', state, contentKey: `recording-${r.id}` });
    }
    for (const a of s.activities ?? []) {
      if (a.file) out.set(`${id}/file:${a.activityId}`, { kind: 'file', state: 'available', contentKey: `file-${a.activityId}` });
    }
  }
  return out;
}

// Sized work, generous limits: the machine may be slow and shared; nothing here waits on a clock.
jest.setTimeout(240_000);

const sessionIds = () => sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-05T22:00:00Z'));

function walk(root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('recordings and shared files: metadata, always', () => {
  it('backfill without MLUVII_FILES_DIR fills reporting.session_files from the payloads and downloads nothing', async () => {
    sim.resetStats();
    const r = await cli(['backfill', '--from', FROM, '--to', TO], pipelineEnv(meta, sim));
    expect(r.code).toBe(0);
    expect(sim.stats().byEndpoint.fileContent).toBeUndefined();

    const rows = await viewRows(meta);
    const expected = expectedKeys(sessionIds());
    expect(rows.map((x) => `${x.session_id}/${x.file_key}`).sort()).toEqual([...expected.keys()].sort());
    expect(rows.some((x) => x.kind === 'file')).toBe(true);
    expect(rows.some((x) => x.kind === 'recording')).toBe(true);
    for (const row of rows) {
      const e = expected.get(`${row.session_id}/${row.file_key}`);
      expect([row.file_key, row.kind]).toEqual([row.file_key, e?.kind]);
      // Processing (and failed) per recordingsState; nothing is stored without a folder.
      expect([row.file_key, row.state]).toEqual([row.file_key, e?.state]);
      expect([row.size_bytes, row.sha256, row.stored_path, row.downloaded_at]).toEqual([null, null, null, null]);
    }
    expect(rows.filter((x) => x.state === 'processing').length).toBeGreaterThan(0);
  });

  it('duration_s is exact to the millisecond (M-0.1): it equals Postgres\' own reading of the ISO 8601 duration', async () => {
    const { rows } = await meta.knex.raw(`
      SELECT f.file_key, f.duration_s::text AS ours,
             round(extract(epoch FROM (r->>'duration')::interval), 3)::text AS pg
        FROM reporting.session_files f
        JOIN raw.sessions s USING (session_id)
        CROSS JOIN LATERAL jsonb_array_elements(s.payload->'recordings') r
       WHERE f.kind = 'recording' AND f.file_key = 'recording:' || (r->>'id')`);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect([r.file_key, r.ours]).toEqual([r.file_key, r.pg]);
  });

  it('reprocess rebuilds core.session_files from raw, row for row', async () => {
    const before = await viewRows(meta);
    // As if computed by older code: reprocess reads what the inputs key says could have changed.
    await meta.knex.raw(`DELETE FROM core.session_files; UPDATE core.sessions SET facts_hash = 'stale', inputs_key = 'older code'`);
    const r = await cli(['reprocess'], { DATABASE_URL: meta.url });
    expect(r.code).toBe(0);
    expect(await viewRows(meta)).toEqual(before);
  });

  it('files without MLUVII_FILES_DIR is a usage error naming the setting', async () => {
    const r = await cli(['files'], pipelineEnv(meta, sim));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/MLUVII_FILES_DIR is not set/);
  });
});

describe('run (the nightly job) with MLUVII_FILES_DIR', () => {
  it('downloads the files of the sessions it loaded, after its windows committed', async () => {
    const own = await startSimulator({ seed: 9, sessionsPerDay: 60, files: { sharedFileRate: 0.5 }, now: clockAt(TEST_NOW) });
    const db = await freshDatabase();
    const folder = mkdtempSync(join(tmpdir(), 'mluvii-run-files-'));
    try {
      const start = new Date(TEST_NOW.getTime() - 36 * 3_600_000).toISOString();
      const until = new Date(TEST_NOW.getTime() - 30 * 60_000).toISOString();
      const r = await cli(['run', '--until', until], pipelineEnv(db, own, { MLUVII_FILES_DIR: folder, ETL_START: start }));
      expect(r.code).toBe(0);
      const rows = (await db.knex.raw(`SELECT f.state, count(*)::int AS n FROM reporting.session_files f GROUP BY 1`)).rows as Array<{ state: string; n: number }>;
      const by = Object.fromEntries(rows.map((x) => [x.state, x.n]));
      expect(by.stored).toBeGreaterThan(0);
      expect(by.available).toBeUndefined(); // nothing left behind: every downloadable file is stored
      const done = (await db.knex.raw(`SELECT max(finished_at) AS at FROM etl.windows WHERE status = 'done'`)).rows[0].at as Date;
      const first = (await db.knex.raw(`SELECT min(downloaded_at) AS at FROM core.file_downloads`)).rows[0].at as Date;
      expect(first.getTime()).toBeGreaterThanOrEqual(done.getTime()); // after the last window's commit
      expect(own.files!.tokenLeaks).toBe(0);
    } finally {
      await own.stop();
      await db.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('downloads, when MLUVII_FILES_DIR is set', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = pipelineEnv(dl, sim, { MLUVII_FILES_DIR: dir });
  });

  it('backfill stores every downloadable file with its size and sha256, safe paths, and never sends the token off the API origin', async () => {
    const r = await cli(['backfill', '--from', FROM, '--to', TO], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const files = sim.files!;
    expect(files.tokenLeaks).toBe(0);
    expect(files.storageRequests).toBeGreaterThan(0); // pre-signed foreign addresses and redirects were fetched, without the header

    const rows = await viewRows(dl);
    const expected = expectedKeys(sessionIds());
    expect(rows.length).toBe(expected.size);
    const byState = (s: string) => rows.filter((x) => x.state === s);
    expect(byState('stored').length).toBeGreaterThan(10);
    expect(byState('gone').length).toBeGreaterThan(0); // 404 even after a fresh address
    expect(byState('unavailable').length).toBeGreaterThan(0); // foreign, not pre-signed: never downloadable, a state of its own
    expect(byState('processing').length).toBeGreaterThan(0);

    const reasons = (await dl.knex.raw(`SELECT file_key, state, reason FROM core.file_downloads WHERE state <> 'stored'`)).rows as Array<{ reason: string; state: string }>;
    for (const x of reasons.filter((y) => y.state === 'failed')) expect(x.reason).toMatch(/FailedToProcess/);
    for (const x of reasons.filter((y) => y.state === 'unavailable')) expect(x.reason).toMatch(/not the API's origin, and is not a pre-signed URL/);
    expect(reasons.filter((y) => y.state === 'unavailable').length).toBe(byState('unavailable').length);
    for (const x of reasons) expect(x.reason).not.toMatch(/Signature|Bearer|sim-secret/i);

    const root = resolve(dir);
    for (const row of byState('stored')) {
      const e = expected.get(`${row.session_id}/${row.file_key}`)!;
      const want = files.expectedFile(e.contentKey);
      // Portable: the key's colon is a dash (Windows and sync tools refuse ':').
      expect(row.stored_path).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}/${row.session_id}/${row.file_key.replace(':', '-')}-[^/:\\u0000]{1,120}$`));
      const full = resolve(root, row.stored_path!);
      expect(full.startsWith(root + '/')).toBe(true);
      const bytes = readFileSync(full);
      expect([row.file_key, Number(row.size_bytes), row.sha256]).toEqual([row.file_key, want.size, want.sha256]);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want.sha256);
      expect(row.downloaded_at).toBeInstanceOf(Date);
    }
    // Every file on disk is a stored one (no partial, no escaped name), and nothing outside the folder.
    const onDisk = walk(root).map((p) => p.slice(root.length + 1)).filter((p) => !p.startsWith('.partial/'));
    expect(onDisk.sort()).toEqual(byState('stored').map((x) => x.stored_path).sort());
    expect(readdirSync(join(root, '.partial'))).toEqual([]);
    // hostile names were there (mluvii's names stay in core; the view shows only the made-safe one of a stored copy)
    expect((await dl.knex.raw(`SELECT name FROM core.session_files`)).rows.filter((x: { name: string | null }) => x.name && /\.\.|^\//.test(x.name)).length).toBeGreaterThan(0);
    expect(existsSync('/etc/cron.d/evil')).toBe(false);

    const counts = await fileCounts(dl.knex);
    expect(counts.stored).toBe(byState('stored').length);
    expect(counts.bytesOnDisk).toBe(byState('stored').reduce((a, x) => a + Number(x.size_bytes), 0));
  });

  it('status shows files pending, stored, failed, gone, unavailable, too large, deleted and the bytes on disk', async () => {
    const r = await cli(['status'], { DATABASE_URL: dl.url });
    expect(r.code).toBe(0);
    const c = await fileCounts(dl.knex);
    expect(r.out).toContain(
      `Files (recordings and shared files): ${c.pending} pending (${c.available} available, ${c.processing} processing), ${c.stored} stored, ` +
        `${c.failed} failed, ${c.gone} gone, ${c.unavailable} unavailable, ${c.tooLarge} too large, ${c.deleted} deleted;`,
    );
    expect(r.out).toContain(`(${c.bytesOnDisk} bytes) on disk`);
    expect(r.out).toMatch(/failed because/);
  });

  it('status --json: the reasons of each state add up to its count, those mluvii reports (FailedToProcess, deleted) included', async () => {
    const r = await cli(['status', '--json'], { DATABASE_URL: dl.url });
    const files = JSON.parse(r.out).files as { failed: number; gone: number; unavailable: number; failedBecause: Array<{ files: number }>; notDownloadedBecause: Array<{ state: string; files: number }> };
    const sum = (xs: Array<{ files: number }>) => xs.reduce((a, x) => a + x.files, 0);
    expect(files.failed).toBeGreaterThan(0);
    expect(sum(files.failedBecause)).toBe(files.failed);
    for (const state of ['gone', 'unavailable'] as const) expect([state, sum(files.notDownloadedBecause.filter((x) => x.state === state))]).toEqual([state, files[state]]);
    // Failures mluvii reported itself have no download row, and still a reason.
    const fromMluvii = Number((await dl.knex.raw(`SELECT count(*) AS n FROM reporting.session_files v LEFT JOIN core.file_downloads d USING (session_id, file_key) WHERE v.state = 'failed' AND d.session_id IS NULL`)).rows[0].n);
    expect(fromMluvii).toBeGreaterThan(0);
  });

  it('a second files run downloads nothing already stored; finished processing recordings are fetched by the next run', async () => {
    sim.resetStats();
    const servedBefore = sim.files!.served;
    const again = await cli(['files'], env);
    expect(again.code).toBe(0);
    expect(sim.files!.served).toBe(servedBefore);

    const processing = (await viewRows(dl)).filter((x) => x.state === 'processing');
    sim.files!.opts.processing = false; // mluvii finished processing
    const later = await cli(['files', '--from', FROM, '--to', TO], env);
    // Exit 1 only for files that failed in this pass; foreign addresses are `unavailable`, not failures.
    const failedLines = later.out.split('\n').filter((l) => l.includes('failed: session'));
    expect(later.code).toBe(failedLines.length ? 1 : 0);
    for (const l of failedLines) expect(l).toMatch(/FailedToProcess/);
    const rows = await viewRows(dl);
    for (const p of processing) {
      const now = rows.find((x) => x.session_id === p.session_id && x.file_key === p.file_key);
      expect([p.file_key, now?.state]).toEqual([p.file_key, expect.stringMatching(/^(stored|gone|failed|unavailable)$/)]);
    }
    expect(rows.filter((x) => x.state === 'processing')).toEqual([]);
    expect(sim.files!.tokenLeaks).toBe(0);
  });

  it('files downloads again a stored copy that was removed or changed on disk, and only that one', async () => {
    const stored = (await viewRows(dl)).filter((x) => x.state === 'stored' && Number(x.size_bytes) > 10);
    const [removed, truncated] = stored;
    rmSync(resolve(dir, removed.stored_path!));
    writeFileSync(resolve(dir, truncated.stored_path!), 'short');
    const servedBefore = sim.files!.served;
    const r = await cli(['files'], env);
    expect(r.out).toMatch(/2 stored copies were missing or changed on disk and were downloaded again/);
    expect(sim.files!.served - servedBefore).toBe(2);
    const rows = await viewRows(dl);
    for (const f of [removed, truncated]) {
      const now = rows.find((x) => x.session_id === f.session_id && x.file_key === f.file_key)!;
      expect([now.state, now.sha256, now.size_bytes]).toEqual(['stored', f.sha256, f.size_bytes]);
      expect(createHash('sha256').update(readFileSync(resolve(dir, now.stored_path!))).digest('hex')).toBe(f.sha256);
    }
  });

  it('files --retry-failed leaves the files that can never be downloaded alone: exit 0, no request, status --check stays OK', async () => {
    const unavailable = Number((await dl.knex.raw(`SELECT count(*) AS n FROM core.file_downloads WHERE state = 'unavailable' AND reason LIKE '%not a pre-signed URL%'`)).rows[0].n);
    expect(unavailable).toBeGreaterThan(0);
    const storageBefore = sim.files!.storageRequests;
    for (let i = 0; i < 2; i++) {
      const r = await cli(['files', '--retry-failed'], env);
      expect([r.code, r.out]).toEqual([0, expect.stringContaining(' 0 failed')]);
    }
    expect(sim.files!.storageRequests).toBe(storageBefore); // never tried again, and never sent the token
    expect(sim.files!.tokenLeaks).toBe(0);
    expect(Number((await dl.knex.raw(`SELECT count(*) AS n FROM core.file_downloads WHERE state = 'unavailable'`)).rows[0].n)).toBe(unavailable);
    const check = await cli(['status', '--check'], { DATABASE_URL: dl.url });
    expect([check.code, check.out]).toEqual([0, expect.stringMatching(/^OK/)]);
  });

  it('a disk without MLUVII_FILES_MIN_FREE to spare fails the command with a clear message and stores nothing', async () => {
    const other = await freshDatabase();
    const full = mkdtempSync(join(tmpdir(), 'mluvii-full-'));
    try {
      expect((await cli(['backfill', '--from', FROM, '--to', '2026-05-05'], pipelineEnv(other, sim))).code).toBe(0);
      // More than any disk of this machine has free: the pass must not start.
      const r = await cli(['files'], pipelineEnv(other, sim, { MLUVII_FILES_DIR: full, MLUVII_FILES_MIN_FREE: '1000TB' }));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/not enough free space in MLUVII_FILES_DIR \(.*\): \d+ bytes \(.* GiB\) are free and MLUVII_FILES_MIN_FREE keeps 1000000000000000 bytes/);
      expect((await other.knex.raw(`SELECT count(*)::int AS n FROM core.file_downloads`)).rows[0].n).toBe(0);
      expect(readdirSync(full)).toEqual(['.partial']);
      expect(readdirSync(join(full, '.partial'))).toEqual([]);
    } finally {
      await other.drop();
      rmSync(full, { recursive: true, force: true });
    }
  });

  it('an unwritable folder fails the command with a clear message', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'mluvii-notdir-')), 'a-file');
    writeFileSync(f, 'x');
    const r = await cli(['files'], pipelineEnv(dl, sim, { MLUVII_FILES_DIR: join(f, 'files') }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot create and write files in MLUVII_FILES_DIR \(.*a-file\/files\): a part of the path is not a folder \(ENOTDIR\)/);
  });

  it('FILES_RETENTION deletes stored copies of older sessions, keeps the rows as deleted, and does not fetch them again', async () => {
    const stored = (await viewRows(dl)).filter((x) => x.state === 'stored');
    expect(stored.length).toBeGreaterThan(0);
    const r = await cli(['files', '--retry-failed'], { ...env, FILES_RETENTION: '1d' });
    expect(r.code).toBe(0); // files older than the retention are not fetched, so nothing failed now
    const rows = await viewRows(dl);
    for (const s of stored) {
      const now = rows.find((x) => x.session_id === s.session_id && x.file_key === s.file_key)!;
      // The copy and its name are gone; the row stays, saying why (docs/privacy.md).
      expect(now).toEqual({ ...s, state: 'deleted', name: null, sha256: null, stored_path: null, deleted_reason: 'files_retention' });
      expect(existsSync(resolve(dir, s.stored_path!))).toBe(false);
    }
    expect((await fileCounts(dl.knex)).bytesOnDisk).toBe(0);
  });

  it('a bad FILES_RETENTION is a usage error naming the setting', async () => {
    const r = await cli(['files'], { ...env, FILES_RETENTION: 'forever' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FILES_RETENTION must be a duration/);
  });
});

// Keep statSync referenced for debugging helpers.
void statSync;

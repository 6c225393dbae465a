/**
 * A download pass never blocks the nightly load, and two passes never fetch the same file. The
 * CLI runs in child processes (test/helpers/cli.ts) against the simulator in this process, whose
 * trickling bodies keep downloads in flight until the test lets them flow: every wait is for a
 * state (a download in flight, a process ended), never for a length of time.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { cli, logLines } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';

jest.setTimeout(180_000);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(): Promise<{ sim: RunningSimulator; db: TestDatabase; dir: string; env: (extra?: Record<string, string>) => Record<string, string> }> {
  // Every body trickles (a byte every 20 ms) until the test sets dripRate to 0.
  const sim = await startSimulator({ seed: 41, sessionsPerDay: 10, files: { sharedFileRate: 0.5, dripRate: 1, dripIntervalMs: 20, fixedBytes: 4_000 }, now: () => new Date('2026-05-10T00:00:00Z') });
  const db = await freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'mluvii-concurrent-'));
  cleanup.push(() => sim.stop(), () => db.drop(), () => rmSync(dir, { recursive: true, force: true }));
  const env = (extra: Record<string, string> = {}) => ({ ...pipelineEnv(db, sim), LOG_LEVEL: 'silent', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '2', MLUVII_FILE_TIMEOUT: '1h', ...extra });
  const meta = await cli(['backfill', '--from', '2026-05-04', '--to', '2026-05-05'], env());
  expect(meta.code).toBe(0);
  return { sim, db, dir, env };
}

/** Waits until `cond` holds (the state of the simulator), or fails when `process` ended first. */
async function until(cond: () => boolean, what: string, processes: Array<Promise<unknown>>): Promise<void> {
  let ended = false;
  for (const p of processes) void p.then(() => (ended = true), () => (ended = true));
  while (!cond()) {
    if (ended) throw new Error(`a process ended before ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const storedCount = async (db: TestDatabase) => (await db.knex.raw(`SELECT count(*)::int AS n FROM reporting.session_files WHERE state = 'stored'`)).rows[0].n as number;
const availableBefore = async (db: TestDatabase) => (await db.knex.raw(`SELECT count(*)::int AS n FROM reporting.session_files WHERE state IN ('available', 'stored')`)).rows[0].n as number;

describe('a files pass running for hours', () => {
  it('does not hold the writer lock: a backfill proceeds meanwhile, and status shows the pass running', async () => {
    const { sim, db, dir, env } = await setup();
    const files = cli(['files'], env({ MLUVII_FILES_DIR: dir }));
    await until(() => sim.files!.inFlight > 0, 'a download was in flight', [files]);

    const load = await cli(['backfill', '--from', '2026-05-05', '--to', '2026-05-06'], env());
    expect([load.code, load.err]).toEqual([0, '']);
    expect(load.out).toMatch(/^backfill succeeded/m);
    const status = JSON.parse((await cli(['status', '--json'], { DATABASE_URL: db.url })).out);
    const pass = (status.recentRuns as Array<{ kind: string; status: string }>).find((r) => r.kind === 'files');
    expect(pass?.status).toBe('running'); // not "died", not closed by the backfill
    expect(status.lastRuns.backfill.status).toBe('succeeded');

    sim.files!.opts.dripRate = 0; // the bodies flow
    const done = await files;
    expect(done.code).toBe(0);
    expect(await storedCount(db)).toBeGreaterThan(0);
  });

  it('and the download step of a backfill at the same time never fetch the same file twice', async () => {
    const { sim, db, dir, env } = await setup();
    const total = await availableBefore(db);
    const files = cli(['files'], env({ MLUVII_FILES_DIR: dir }));
    await until(() => sim.files!.inFlight >= 2, 'the files pass had two downloads in flight', [files]);
    // Reloads the same day, then downloads its files: some are the files pass's right now.
    const backfill = cli(['backfill', '--from', '2026-05-04', '--to', '2026-05-05', '--force'], env({ MLUVII_FILES_DIR: dir, LOG_LEVEL: 'info' }));
    await until(() => sim.files!.inFlight >= 3, 'the backfill had a download in flight too', [files, backfill]);

    sim.files!.opts.dripRate = 0;
    const [a, b] = await Promise.all([files, backfill]);
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const [key, n] of sim.files!.begun) expect([key, n]).toEqual([key, 1]);
    expect(sim.files!.begun.size).toBe(total);
    expect(await storedCount(db)).toBe(total);
    const summary = logLines(b.err).find((l) => typeof l.msg === 'string' && l.msg.startsWith('files: '));
    expect(summary?.leftToOtherPass).toBeGreaterThan(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { resumePoint } from '../../src/load/etl-windows.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const DAYS = ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z', '2026-06-04T00:00:00Z'].map((d) => new Date(d));

let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  // The middle day cannot be listed: every list call overlapping it answers 503.
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 5, sessionsPerDay: 100, misbehaviour: { brokenRange: { from: DAYS[1], to: DAYS[2] } } });
  env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC' });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('a window that cannot be loaded', () => {
  it('fails the backfill (exit 1) after the other windows have finished, and records which window failed and why', async () => {
    const r = await runCommand(backfillCommand, testConfig(env), { from: DAYS[0].toISOString(), to: DAYS[3].toISOString() });
    expect(r.code).toBe(1);
    const windows = await db.knex('etl.windows').orderBy('window_start').select('window_start', 'status', 'error');
    expect(windows.map((w) => w.status)).toEqual(['done', 'failed', 'done']);
    expect(windows[1].error).toMatch(/503/);
    expect(windows[1].error).toMatch(/attempts/);
    const run = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
    expect(run).toMatchObject({ status: 'failed', windows_done: 2, windows_failed: 1 });
    expect(run.error).toContain('2026-06-02T00:00:00.000Z');
    const loaded = await db.knex('core.sessions').count({ n: '*' });
    expect(Number(loaded[0].n)).toBe(sim.expectedSessionIds(DAYS[0], DAYS[1]).length + sim.expectedSessionIds(DAYS[2], DAYS[3]).length);
  }, 120_000);

  it('the nightly run resumes at the failed window, not after it', async () => {
    expect((await resumePoint(db.knex))?.at.toISOString()).toBe(DAYS[1].toISOString());
  });

  it('a second backfill once the API is back loads only the failed window', async () => {
    sim.setMisbehaviour({});
    const r = await runCommand(backfillCommand, testConfig(env), { from: DAYS[0].toISOString(), to: DAYS[3].toISOString() });
    expect(r.code).toBe(0);
    const run = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
    expect(run).toMatchObject({ status: 'succeeded', windows_done: 1, windows_skipped: 2 });
    const loaded = await db.knex('core.sessions').count({ n: '*' });
    expect(Number(loaded[0].n)).toBe(sim.expectedSessionIds(DAYS[0], DAYS[3]).length);
    expect((await resumePoint(db.knex))?.at.toISOString()).toBe(DAYS[3].toISOString());
  });
});

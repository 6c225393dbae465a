import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { localDayStart } from '../../src/pipeline/windows.js';
import { runCli } from '../helpers/cli.js';
import { clockAt, TEST_NOW } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';

const TZ = 'Europe/Prague';
const HOUR = 3_600_000;
let sim: RunningSimulator;
const dbs: TestDatabase[] = [];

async function windowsOf(db: TestDatabase): Promise<Array<{ from: string; to: string; hours: number }>> {
  const rows = await db.knex('etl.windows').where({ status: 'done' }).orderBy('window_start').select('window_start', 'window_end');
  return rows.map((r) => ({ from: r.window_start.toISOString(), to: r.window_end.toISOString(), hours: (r.window_end.getTime() - r.window_start.getTime()) / HOUR }));
}

const routingRequests = () => Object.values(sim.stats().byEndpoint.routingHistory ?? {}).reduce((a, b) => a + b, 0);
const listRequests = () => Object.values(sim.stats().byEndpoint.sessions ?? {}).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  // Few sessions a day: these tests are about where windows fall, not about volume.
  sim = await startSimulator({ seed: 11, sessionsPerDay: 12, now: clockAt(TEST_NOW) });
});
afterAll(async () => {
  await sim?.stop();
  for (const db of dbs) await db.drop();
});

describe('windows on day boundaries (REPORT_TZ calendar days)', () => {
  it('the first run starts at the start of the day 30 days ago in REPORT_TZ, and every window boundary but the last is a local midnight', async () => {
    const db = await freshDatabase();
    dbs.push(db);
    sim.setNow(clockAt(TEST_NOW));
    const until = new Date(TEST_NOW.getTime() - 30 * 60_000);
    const r = await runCli(['run', '--until', until.toISOString()], pipelineEnv(db, sim, { REPORT_TZ: TZ, MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '16' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ws = await windowsOf(db);
    // As of until + ETL_SETTLE, i.e. the pinned now.
    expect(ws[0].from).toBe(localDayStart(TEST_NOW, -30, TZ).toISOString());
    expect(ws.at(-1)?.to).toBe(until.toISOString());
    for (const w of ws.slice(0, -1)) expect(localDayStart(new Date(w.to), 0, TZ).toISOString()).toBe(w.to);
    // Contiguous: each window starts where the previous ended.
    for (let i = 1; i < ws.length; i++) expect(ws[i].from).toBe(ws[i - 1].to);
  }, 240_000);

  it('across the October DST change a 1d window is 25 hours; a backfill of days a run already loaded extracts only the part no window covers', async () => {
    const db = await freshDatabase();
    dbs.push(db);
    const env = pipelineEnv(db, sim, { REPORT_TZ: TZ, MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '16' });
    // Nothing loaded, ETL_START mid-day: run's first window runs to the next local midnight.
    const start = '2026-10-24T10:00:00Z';
    sim.setNow(clockAt(new Date('2026-11-03T12:00:00Z')));
    const first = await runCli(['run', '--until', '2026-11-02T12:00:00Z'], { ...env, ETL_START: start });
    expect(first.code).toBe(0);
    const ws = await windowsOf(db);
    expect(ws.slice(0, 3)).toEqual([
      { from: '2026-10-24T10:00:00.000Z', to: '2026-10-24T22:00:00.000Z', hours: 12 },
      { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z', hours: 25 }, // Sunday 25 October: clocks go back
      { from: '2026-10-25T23:00:00.000Z', to: '2026-10-26T23:00:00.000Z', hours: 24 },
    ]);

    // A backfill of whole days over the same range: only 24 Oct 00:00–12:00 (Prague) is new.
    sim.resetStats();
    const back = await runCli(['backfill', '--from', '2026-10-24', '--to', '2026-11-01'], env);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/backfill succeeded .*windows 1 loaded, 7 already done, 0 failed/);
    const gap = { from: new Date('2026-10-23T22:00:00Z'), to: new Date(start) };
    expect(routingRequests()).toBe(sim.expectedSessionIds(gap.from, gap.to).length);
    const after = await windowsOf(db);
    expect(after[0]).toEqual({ from: gap.from.toISOString(), to: gap.to.toISOString(), hours: 12 });

    // Everything is covered now, whoever loaded it: a second backfill sends no list request at all.
    sim.resetStats();
    const again = await runCli(['backfill', '--from', '2026-10-24', '--to', '2026-11-01', '--window', '6h'], env);
    expect(again.code).toBe(0);
    expect(listRequests()).toBe(0);
    expect(again.stdout).toMatch(/windows 0 loaded, 33 already done/); // 193 h (one day has 25) in 6 h steps
    const loaded = Number((await db.knex('core.sessions').where('created_at', '<', '2026-10-31T23:00:00Z').count({ n: '*' }))[0].n);
    expect(loaded).toBe(sim.expectedSessionIds(gap.from, new Date('2026-10-31T23:00:00Z')).length);
  }, 240_000);
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { latestSettledRate } from '../../src/load/etl-runs.js';
import { backfillCommand } from '../../src/commands/backfill.js';
import { statusCommand } from '../../src/commands/status.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await freshDatabase();
  // One 429 (Retry-After 0) early on: the adaptive rate must cut once and carry on.
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 5, sessionsPerDay: 40, misbehaviour: { throttle: { retryAfter: '0', times: 1 } } });
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('MLUVII_RPS=auto through a real backfill', () => {
  it('loads every session, records the rate it settled on in etl.runs, and status shows it', async () => {
    const env = pipelineEnv(db, sim, { MLUVII_RPS: 'auto', MLUVII_RPS_MAX: '40' });
    const r = await runCommand(backfillCommand, testConfig(env), { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' });
    expect(r.code).toBe(0);
    const expected = sim.expectedSessionIds(new Date('2026-03-02T00:00:00Z'), new Date('2026-03-03T00:00:00Z'));
    expect(Number((await db.knex('core.sessions').count({ n: '*' }))[0].n)).toBe(expected.length);

    const settled = await latestSettledRate(db.knex);
    expect(settled?.kind).toBe('backfill');
    expect(settled!.rps).toBeGreaterThanOrEqual(0.5);
    expect(settled!.rps).toBeLessThanOrEqual(40);

    const status = await runCommand(statusCommand, testConfig(pipelineEnv(db, sim)));
    expect(status.output).toContain(`MLUVII_RPS=auto settled on ${settled!.rps} requests/s (run ${settled!.runId}, backfill)`);
  });

  it('a fixed MLUVII_RPS records no settled rate', async () => {
    const env = pipelineEnv(db, sim, { MLUVII_RPS: '500' });
    const r = await runCommand(backfillCommand, testConfig(env), { from: '2026-03-04T00:00:00Z', to: '2026-03-05T00:00:00Z' });
    expect(r.code).toBe(0);
    const last = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
    expect(last.settled_rps).toBeNull();
  });
});

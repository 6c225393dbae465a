import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { QUEUES } from '../../src/jobs/queues.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { jobsOf, startCli, startWorker, waitFor, type RunningProcess } from '../helpers/workers.js';

const hostnameOf = () => hostname().slice(0, 30);
const FROM = '2026-05-04T00:00:00Z';
const TO = '2026-05-05T00:00:00Z';
const SETTINGS = { MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '2', MLUVII_PAGE_SIZE: '10', REPORT_TZ: 'UTC' };

let sim: RunningSimulator;
const dbs: TestDatabase[] = [];
const processes: RunningProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 29, sessionsPerDay: 150 });
});
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await sim?.stop();
  await Promise.all(dbs.map((d) => d.drop()));
});

/** A backfill of one day sent to the queue, and a worker inside its window. */
async function windowInProgress(env: Record<string, string>, db: TestDatabase): Promise<{ worker: RunningProcess; backfill: RunningProcess; jobId: string }> {
  const worker = await startWorker(env);
  const backfill = startCli(['backfill', '--from', FROM, '--to', TO, '--queue'], env);
  processes.push(worker, backfill);
  const job = await waitFor('the window in progress', async () => {
    const active = (await jobsOf(db.knex, QUEUES.window.name)).find((j) => j.state === 'active');
    // The worker's connection (named after its process) is inside the window's transaction.
    const inTransaction = (await db.knex.raw(`SELECT 1 FROM pg_stat_activity WHERE application_name = ? AND xact_start IS NOT NULL`, [`mluvii-etl worker ${hostnameOf()}:${worker.child.pid}`])).rows.length;
    return active && inTransaction > 0 ? active : undefined;
  });
  return { worker, backfill, jobId: job.id };
}

describe('a worker told to stop (SIGTERM)', () => {
  it('hands its window back to the queue once the grace period is over: rolled back, not failed, and another worker loads it', async () => {
    const db = await freshDatabase();
    dbs.push(db);
    const env = pipelineEnv(db, sim, { ...SETTINGS, ETL_WORKER_GRACE: '2s' });
    // Slow answers: the window takes far longer than the grace period, whatever the machine.
    sim.setMisbehaviour({ slowRate: 1, slowMs: 500 });
    const { worker, backfill, jobId } = await windowInProgress(env, db);
    const asked = Date.now();
    worker.child.kill('SIGTERM');
    const end = await worker.exited;
    expect(end.code).toBe(143);
    // The grace (2 s) and the rollback of the window: well under the 30 s the window still needs.
    expect(Date.now() - asked).toBeLessThan(12_000);
    expect(worker.stderr()).toBe('');
    const released = (await jobsOf(db.knex, QUEUES.window.name)).find((j) => j.id === jobId);
    expect(released?.state).toBe('retry');
    expect(await db.knex('etl.windows').select('status')).toEqual([]); // rolled back, not marked failed
    expect(Number((await db.knex.raw(`SELECT count(*) AS n FROM raw.sessions`)).rows[0].n)).toBe(0);

    sim.setMisbehaviour({});
    processes.push(await startWorker(env));
    const done = await backfill.exited;
    expect(done.code).toBe(0);
    expect(backfill.stdout()).toMatch(/backfill succeeded .*windows 1 loaded, 0 already done, 0 failed/);
    expect((await jobsOf(db.knex, QUEUES.window.name)).find((j) => j.id === jobId)).toMatchObject({ state: 'completed', retry_count: 1 });
    const ids = sim.expectedSessionIds(new Date(FROM), new Date(TO));
    expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);
  }, 180_000);

  it('finishes the window it is loading when that fits in the grace period, then exits', async () => {
    const db = await freshDatabase();
    dbs.push(db);
    const env = pipelineEnv(db, sim, { ...SETTINGS, ETL_WORKER_GRACE: '120s' });
    sim.setMisbehaviour({ slowRate: 1, slowMs: 30 });
    const { worker, backfill, jobId } = await windowInProgress(env, db);
    worker.child.kill('SIGTERM');
    const end = await worker.exited;
    sim.setMisbehaviour({});
    expect(end.code).toBe(143);
    expect((await jobsOf(db.knex, QUEUES.window.name)).find((j) => j.id === jobId)).toMatchObject({ state: 'completed', retry_count: 0 });
    expect(await db.knex('etl.windows').select('status', 'attempts')).toEqual([{ status: 'done', attempts: 1 }]);
    // The backfill's remaining step (the campaign re-read) needs a worker.
    processes.push(await startWorker(env));
    expect((await backfill.exited).code).toBe(0);
  }, 180_000);
});

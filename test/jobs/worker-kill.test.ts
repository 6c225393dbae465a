import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { coreChecksums, pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startCli, startWorker, waitFor, type RunningProcess } from '../helpers/workers.js';

const FROM = '2026-05-04T00:00:00Z';
const TO = '2026-05-06T00:00:00Z';
// The shortest heartbeat pg-boss allows: a dead worker's job is retried about 10 s after it died.
const SETTINGS = { MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '2', MLUVII_PAGE_SIZE: '10', REPORT_TZ: 'UTC', ETL_JOB_HEARTBEAT: '10s' };

let sim: RunningSimulator;
let clean: TestDatabase;
let killed: TestDatabase;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 23, sessionsPerDay: 120 });
  [clean, killed] = await Promise.all([freshDatabase(), freshDatabase()]);
});
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await sim?.stop();
  await clean?.drop();
  await killed?.drop();
});

describe('a worker killed with SIGKILL', () => {
  it('loses and doubles nothing: its window is retried once its heartbeat stops, by another worker, and the warehouse equals a clean load', async () => {
    expect((await runCommand(backfillCommand, testConfig(pipelineEnv(clean, sim, SETTINGS)), { from: FROM, to: TO, window: '6h' })).code).toBe(0);
    const reference = await coreChecksums(clean.knex);
    expect(reference.sessions.rows).toBeGreaterThan(150);

    // Every answer is slow, so a window takes seconds: the kill lands inside one, whatever the
    // machine (at 60 ms a window took about a second, and on a busy machine the one seen active
    // could finish between the look and the kill).
    sim.setMisbehaviour({ slowRate: 1, slowMs: 250 });
    const env = pipelineEnv(killed, sim, SETTINGS);
    const first = await startWorker(env);
    processes.push(first);
    const backfill = startCli(['backfill', '--from', FROM, '--to', TO, '--window', '6h', '--queue'], env);
    processes.push(backfill);
    // Mid-backfill: a window committed, and the worker is inside the next one.
    const victim = await waitFor('a window in progress after one committed', async () => {
      const done = Number((await killed.knex('etl.windows').where({ status: 'done' }).count({ n: '*' }))[0].n);
      const active = (await jobsOf(killed.knex, QUEUES.window.name)).find((j) => j.state === 'active');
      return done >= 1 && active ? active : undefined;
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    sim.setMisbehaviour({});
    processes.push(await startWorker(env, 2));

    const end = await backfill.exited;
    expect(backfill.stderr()).toBe('');
    expect(end.code).toBe(0);
    expect(backfill.stdout()).toMatch(/backfill succeeded in [\d.]+ s \(run 1\): windows 8 loaded, 0 already done, 0 failed/);

    const retried = (await jobsOf(killed.knex, QUEUES.window.name)).find((j) => j.id === victim.id);
    expect(retried).toMatchObject({ state: 'completed', retry_count: 1 });
    expect(await coreChecksums(killed.knex)).toEqual(reference);
    expect(Number((await killed.knex.raw('SELECT count(*) - count(DISTINCT session_id) AS d FROM raw.sessions')).rows[0].d)).toBe(0);
    const marks = await killed.knex('etl.windows').select('status', 'attempts');
    expect(marks).toHaveLength(8);
    expect(marks.every((m) => m.status === 'done' && m.attempts === 1)).toBe(true);
    expect(await killed.knex('etl.runs').select('kind', 'status', 'windows_done')).toEqual([{ kind: 'backfill', status: 'succeeded', windows_done: 8 }]);
  }, 240_000);
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { startBoss } from '../../src/jobs/boss.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { acquireWriterLock } from '../../src/load/writer-lock.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { coreChecksums, pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startWorker, waitFor, type RunningProcess } from '../helpers/workers.js';

// Three Prague days; the simulator's clock stands after them, so every session is over.
const FROM = '2026-05-04T00:00:00+02:00';
const UNTIL = '2026-05-07T00:00:00+02:00';
const SETTINGS = { ETL_START: '2026-05-04', ETL_SETTLE: '30m', MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '8' };

let sim: RunningSimulator;
let inProcess: TestDatabase;
let queued: TestDatabase;
let scheduled: TestDatabase;
let reference: Awaited<ReturnType<typeof coreChecksums>>;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 17, sessionsPerDay: 200 });
  [inProcess, queued, scheduled] = await Promise.all([freshDatabase(), freshDatabase(), freshDatabase()]);
  const r = await runCommand(nightlyRun, testConfig(pipelineEnv(inProcess, sim, SETTINGS)), { until: UNTIL });
  expect(r.code).toBe(0);
  reference = await coreChecksums(inProcess.knex);
});
afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await sim?.stop();
  await Promise.all([inProcess, queued, scheduled].map((d) => d?.drop()));
});

describe('the same run on the workers', () => {
  it('`run --queue` with two workers loads exactly what `run` loads in one process: one etl.runs row, every window once', async () => {
    const env = pipelineEnv(queued, sim, SETTINGS);
    workers.push(await startWorker(env), await startWorker(env));
    const r = await cli(['run', '--queue', '--until', UNTIL], { ...env, LOG_LEVEL: 'warn' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^run succeeded in [\d.]+ s \(run 1\): windows 3 loaded, 0 already done, 0 failed; sessions [\d,]+ \([\d,]+ changed\), 0 rejected; API requests/m);

    const ids = sim.expectedSessionIds(new Date(FROM), new Date(UNTIL));
    expect(ids.length).toBeGreaterThan(300);
    expect(await differences(queued.knex, expectedFacts(sim, ids))).toEqual([]);
    expect(await coreChecksums(queued.knex)).toEqual(reference);
    const runs = await queued.knex('etl.runs').select('kind', 'status', 'windows_done', 'sessions_seen');
    expect(runs).toEqual([{ kind: 'run', status: 'succeeded', windows_done: 3, sessions_seen: ids.length }]);
    const windows = await jobsOf(queued.knex, QUEUES.window.name);
    expect(windows.map((j) => [j.state, j.retry_count])).toEqual([['completed', 0], ['completed', 0], ['completed', 0]]);
    expect(windows.map((j) => j.singleton_key)).toEqual([
      'default:2026-05-03T22:00:00.000Z:2026-05-04T22:00:00.000Z',
      'default:2026-05-04T22:00:00.000Z:2026-05-05T22:00:00.000Z',
      'default:2026-05-05T22:00:00.000Z:2026-05-06T22:00:00.000Z',
    ]);
    // The steps after the windows ran as jobs too.
    for (const q of [QUEUES.campaigns, QUEUES.refetch]) expect((await jobsOf(queued.knex, q.name)).map((j) => j.state)).toEqual(['completed']);
  });

  it('a scheduled run (a job on the run queue, as the schedule sends it) is coordinated by a worker and loads the same; another writer holding the lock makes it `skipped`, not failed', async () => {
    const env = pipelineEnv(scheduled, sim, SETTINGS);
    workers.push(await startWorker(env, 2));
    const boss = await startBoss(testConfig(env), createLogger({ level: 'silent', pretty: false }), 'client');
    try {
      expect(await boss.send(QUEUES.run.name, { tenant: 'default', until: new Date(UNTIL).toISOString() }, { singletonKey: 'default' })).not.toBeNull();
      const done = await waitFor('the scheduled run', async () => (await jobsOf(scheduled.knex, QUEUES.run.name)).find((j) => j.state === 'completed' || j.state === 'failed'));
      expect(done).toMatchObject({ state: 'completed', output: { status: 'succeeded', runId: 1 } });
      expect(await coreChecksums(scheduled.knex)).toEqual(reference);

      const lock = await acquireWriterLock(scheduled.url);
      try {
        expect(await boss.send(QUEUES.run.name, { tenant: 'default' }, { singletonKey: 'default' })).not.toBeNull();
        const busy = await waitFor('the run while the lock is held', async () => (await jobsOf(scheduled.knex, QUEUES.run.name)).find((j, i) => i === 1 && (j.state === 'completed' || j.state === 'failed')));
        expect(busy).toMatchObject({ state: 'completed', retry_count: 0, output: { status: 'skipped', runId: 2 } });
        expect(await scheduled.knex('etl.runs').where({ run_id: 2 }).first()).toMatchObject({ kind: 'run', status: 'skipped' });
      } finally {
        await lock.release();
      }

      // A job for a tenant this warehouse does not load is refused with the reason, not run with the wrong settings.
      expect(await boss.send(QUEUES.run.name, { tenant: 'elsewhere' }, { singletonKey: 'elsewhere' })).not.toBeNull();
      const refused = await waitFor('the foreign tenant\'s run', async () => (await jobsOf(scheduled.knex, QUEUES.run.name)).find((j) => (j.data as { tenant: string }).tenant === 'elsewhere' && j.state === 'completed'));
      expect(refused.output).toMatchObject({ status: 'refused', error: expect.stringContaining('the job is for tenant "elsewhere", which this worker cannot work for: no such tenant in this warehouse (known: default)') });
    } finally {
      await boss.stop({ graceful: false });
    }
  });
});

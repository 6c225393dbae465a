import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { startBoss } from '../../src/jobs/boss.js';
import { JOBS_SCHEMA, QUEUES, unitKey, type UnitJobData } from '../../src/jobs/queues.js';
import { startRun } from '../../src/load/etl-runs.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startWorker, waitFor } from '../helpers/workers.js';

const silent = createLogger({ level: 'silent', pretty: false });
const dbs: TestDatabase[] = [];
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 11, sessionsPerDay: 150 });
});
afterAll(async () => {
  await sim?.stop();
  await Promise.all(dbs.map((d) => d.drop()));
});

async function database(migrate = true): Promise<TestDatabase> {
  const db = await freshDatabase({ migrate });
  dbs.push(db);
  return db;
}

/** pgboss.queue as the database holds it: name → policy and retry limit. */
async function queueRows(db: TestDatabase): Promise<Record<string, { policy: string; retry_limit: number }>> {
  const names = Object.values(QUEUES).map((q) => q.name);
  const rows = (await db.knex.raw(`SELECT name, policy, retry_limit FROM ${JOBS_SCHEMA}.queue WHERE name = ANY(?) OR name LIKE 'mluvii-etl.%'`, [names])).rows as Array<{ name: string; policy: string; retry_limit: number }>;
  return Object.fromEntries(rows.map((r) => [r.name, { policy: r.policy, retry_limit: r.retry_limit }]));
}

const declared = () => Object.fromEntries(Object.values(QUEUES).map((q) => [q.name, { policy: q.policy, retry_limit: q.retryLimit }]));

describe('job queues in the warehouse database', () => {
  it('two workers starting together on a warehouse nobody migrated create it, every queue with its declared policy, and ONE nightly schedule at the tenant\'s local time', async () => {
    const db = await database(false);
    const env = { ...pipelineEnv(db, sim), REPORT_TZ: 'America/New_York', ETL_SCHEDULE_AT: '03:40' };
    const workers = await Promise.all([startWorker(env), startWorker(env)]);
    try {
      expect(await queueRows(db)).toEqual(declared());
      const schedules = (await db.knex.raw(`SELECT name, key, cron, timezone, data FROM ${JOBS_SCHEMA}.schedule`)).rows;
      expect(schedules).toEqual([{ name: QUEUES.run.name, key: 'default', cron: '40 3 * * *', timezone: 'America/New_York', data: { tenant: 'default' } }]);
      // The warehouse's own tables too: a worker may start before `migrate`.
      expect(Number((await db.knex.raw(`SELECT count(*) AS n FROM etl.runs`)).rows[0].n)).toBe(0);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) expect((await w.exited).code).toBe(143);
    }
    // migrate afterwards changes nothing and says where the nightly run is scheduled.
    const m = await cli(['migrate'], { ...env, LOG_LEVEL: 'warn' });
    expect(m.code).toBe(0);
    expect(m.out).toContain('nightly schedule for `mluvii-etl worker`: default at 03:40 America/New_York');
    expect(await queueRows(db)).toEqual(declared());
    expect(Number((await db.knex.raw(`SELECT count(*) AS n FROM ${JOBS_SCHEMA}.schedule`)).rows[0].n)).toBe(1);
  });

  it('runs the nightly job at 02:15 local time, also on the nights the clock changes (pg-boss cron in REPORT_TZ)', async () => {
    const db = await database();
    const boss = await startBoss(testConfig({ DATABASE_URL: db.url }), silent, 'client');
    try {
      const local = (from: string) => boss.previewSchedule('15 2 * * *', { tz: 'Europe/Prague', from: new Date(from), count: 1 })[0].toISOString();
      expect(local('2026-03-28T12:00:00Z')).toBe('2026-03-29T01:15:00.000Z'); // 02:15 does not exist: 03:15 CEST
      expect(local('2026-10-24T12:00:00Z')).toBe('2026-10-25T00:15:00.000Z'); // 02:15 happens twice: the first (CEST)
      expect(local('2026-11-17T12:00:00Z')).toBe('2026-11-18T01:15:00.000Z'); // an ordinary night: 02:15 CET
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  it('refuses to work a queue that someone else created first with another policy, naming it (exit 2)', async () => {
    const db = await database();
    const other = new PgBoss({ connectionString: db.url, schema: JOBS_SCHEMA });
    other.on('error', () => undefined);
    await other.start();
    await other.createQueue(QUEUES.window.name, { policy: 'standard' });
    await other.stop({ graceful: false });
    const r = await cli(['worker'], { ...pipelineEnv(db, sim), LOG_LEVEL: 'warn' }, 60_000);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`the job queue ${QUEUES.window.name} exists in schema ${JOBS_SCHEMA} with policy "standard", not "exclusive"`);
    expect(r.err).not.toMatch(/\n\s+at /); // one line, no stack trace
  });

  it('sends the same window twice: one job, loaded once; sent again by another command after it finished, it is found covered and loads nothing', async () => {
    const db = await database();
    const env = { ...pipelineEnv(db, sim), MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '8' };
    const boss = await startBoss(testConfig(env), silent, 'client');
    const worker = await startWorker(env);
    try {
      const runId = await startRun(db.knex, 'backfill', {});
      const request = { kind: 'window' as const, from: '2026-05-04T22:00:00.000Z', to: '2026-05-05T22:00:00.000Z', force: false };
      const data: UnitJobData = { tenant: 'default', runId, request };
      const key = unitKey('default', request);
      const first = await boss.send(QUEUES.window.name, data, { singletonKey: key });
      const second = await boss.send(QUEUES.window.name, data, { singletonKey: key });
      expect(first).not.toBeNull();
      expect(second).toBeNull();
      await waitFor('the window job', async () => ((await jobsOf(db.knex, QUEUES.window.name))[0]?.state === 'completed' ? true : undefined));
      const marks = await db.knex('etl.windows').select('status', 'attempts', 'sessions');
      expect(marks).toHaveLength(1);
      expect(marks[0]).toMatchObject({ status: 'done', attempts: 1 });
      const ids = sim.expectedSessionIds(new Date(request.from), new Date(request.to));
      expect(marks[0].sessions).toBe(ids.length);
      expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);

      // Another command sends it later: the window is covered by then.
      const later = await startRun(db.knex, 'backfill', {});
      expect(await boss.send(QUEUES.window.name, { ...data, runId: later }, { singletonKey: key })).not.toBeNull();
      const again = await waitFor('the window job sent again', async () => (await jobsOf(db.knex, QUEUES.window.name)).find((j, i) => i === 1 && j.state === 'completed'));
      expect(again.output).toMatchObject({ kind: 'window', counts: { windowsSkipped: 1 }, failures: [] });
      expect(await db.knex('etl.windows').select('attempts')).toEqual([{ attempts: 1 }]);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await boss.stop({ graceful: false });
    }
  });

  it('loads a run\'s partial day and a backfill\'s whole day side by side on two workers without loading a session twice', async () => {
    const db = await database();
    const env = { ...pipelineEnv(db, sim), MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '8' };
    // Slow answers keep both windows in flight at the same time.
    sim.setMisbehaviour({ slowRate: 1, slowMs: 20 });
    const boss = await startBoss(testConfig(env), silent, 'client');
    const workers = await Promise.all([startWorker(env), startWorker(env)]);
    try {
      const runId = await startRun(db.knex, 'backfill', {});
      const day = { from: '2026-05-05T22:00:00.000Z', to: '2026-05-06T22:00:00.000Z' };
      const partial = { kind: 'window' as const, from: day.from, to: '2026-05-06T12:00:00.000Z', force: false };
      const whole = { kind: 'window' as const, ...day, force: false };
      for (const request of [partial, whole]) expect(await boss.send(QUEUES.window.name, { tenant: 'default', runId, request }, { singletonKey: unitKey('default', request) })).not.toBeNull();
      await waitFor('both window jobs', async () => ((await jobsOf(db.knex, QUEUES.window.name)).every((j) => j.state === 'completed') ? true : undefined));
      const ids = sim.expectedSessionIds(new Date(day.from), new Date(day.to));
      expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);
      const marks = await db.knex('etl.windows').where({ status: 'done' }).orderBy('window_start').select('window_start', 'window_end', 'sessions');
      // Every session was listed and written by exactly one of the two: the later one found the
      // part the other had loaded covered (under the hour locks) and loaded only the rest.
      expect(marks.reduce((n, m) => n + m.sessions, 0)).toBe(ids.length);
      expect(new Date(marks[0].window_start).toISOString()).toBe(day.from);
      expect(new Date(marks.at(-1).window_end).toISOString()).toBe(day.to);
      expect((await db.knex('etl.windows').where({ status: 'failed' })).length).toBe(0);
    } finally {
      sim.setMisbehaviour({});
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await boss.stop({ graceful: false });
    }
  });
});

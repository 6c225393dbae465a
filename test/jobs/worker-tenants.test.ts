/**
 * The workers in the tenant scheme: a job names its tenant and the worker reads that tenant's
 * settings and secret from the registry (as `--tenant` does), works through the tenant's own
 * connections, and refuses what it must not run: a tenant it cannot work for, a window whose
 * sessions may still change. serve's `session-hint` jobs are taken beside them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateCommand } from '../../src/commands/migrate.js';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import { tenantKnex } from '../../src/db/tenant-knex.js';
import { startBoss } from '../../src/jobs/boss.js';
import { JOBS_SCHEMA, QUEUES, unitKey, type UnitJobData } from '../../src/jobs/queues.js';
import { startRun } from '../../src/load/etl-runs.js';
import { lockSessionHours } from '../../src/load/session-hour-locks.js';
import { inTransaction } from '../../src/load/transaction.js';
import { createLogger } from '../../src/log.js';
import { openWebhookQueue } from '../../src/serve/webhook-queue.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startWorker, waitFor, type RunningProcess } from '../helpers/workers.js';

const HOUR = 3_600_000;
const silent = createLogger({ level: 'silent', pretty: false });
const FROM = '2026-05-04T00:00:00+02:00';
const UNTIL = '2026-05-06T00:00:00+02:00';
let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let env: Record<string, string>;
let dir: string;
let worker: RunningProcess;
let queue: Awaited<ReturnType<typeof openWebhookQueue>>;

beforeAll(async () => {
  db = await freshDatabase();
  // acme's API stands an hour before the commands' clock: what it anonymizes now is before the sweep's end.
  simA = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 23, sessionsPerDay: 120 });
  simB = await startSimulator({ now: clockAt(new Date(AFTER_TEST_RANGES.getTime() - HOUR)), seed: 23, sessionsPerDay: 120, clientSecret: 'acme-workers' });
  env = pipelineEnv(db, simA, { ETL_START: '2026-05-04', ETL_SETTLE: '30m', MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '8' });
  dir = mkdtempSync(join(tmpdir(), 'mluvii-worker-tenants-'));
  writeFileSync(join(dir, 'secret'), simB.clientSecret);
  const add = { args: ['add', 'acme'], baseUrl: simB.url, clientId: simB.clientId, secretFrom: `file:${join(dir, 'secret')}`, reportTz: 'Europe/London', schedule: '03:30', rps: '2000' };
  expect((await runCommand(tenantsCommand, testConfig(env), add)).code).toBe(0);
  // A hint serve queued, due in a second, for a session the API does not know.
  queue = await openWebhookQueue(db.url, silent, { debounceMs: 1000 });
  await queue.sink.accept('default', { eventType: 'SessionEnded', sessionId: 4711 } as Parameters<typeof queue.sink.accept>[1]);
  worker = await startWorker(env, 2);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await queue?.stop();
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sendWindow(tenant: string, request: { kind: 'window'; from: string; to: string; force: boolean }): Promise<{ output: unknown }> {
  const boss = await startBoss(testConfig(env), silent, 'client');
  try {
    const runId = await startRun(db.knex, 'backfill', {});
    const data: UnitJobData = { tenant, runId, request };
    const id = await boss.send(QUEUES.window.name, data, { singletonKey: unitKey(tenant, request) });
    expect(id).not.toBeNull();
    return await waitFor('the window job', async () => (await jobsOf(db.knex, QUEUES.window.name)).find((j) => j.id === id && j.state === 'completed'));
  } finally {
    await boss.stop({ graceful: false });
  }
}

describe('workers for every tenant of the warehouse', () => {
  it('`migrate` schedules the nightly run of every enabled tenant at its own time in its REPORT_TZ, and drops a disabled one\'s', async () => {
    const m = await runCommand(migrateCommand, testConfig(env));
    expect(m.code).toBe(0);
    expect(m.output).toContain('nightly schedule for `mluvii-etl worker`: acme at 03:30 Europe/London (cron "30 3 * * *"), default at 02:15 Europe/Prague');
    const schedules = async () => (await db.knex.raw(`SELECT key, cron, timezone FROM ${JOBS_SCHEMA}.schedule ORDER BY key`)).rows;
    expect(await schedules()).toEqual([
      { key: 'acme', cron: '30 3 * * *', timezone: 'Europe/London' },
      { key: 'default', cron: '15 2 * * *', timezone: 'Europe/Prague' },
    ]);
    expect((await runCommand(tenantsCommand, testConfig(env), { args: ['disable', 'acme'] })).code).toBe(0);
    try {
      expect((await runCommand(migrateCommand, testConfig(env))).code).toBe(0);
      expect((await schedules()).map((s: { key: string }) => s.key)).toEqual(['default']);
      // A job for it meanwhile is refused, not run.
      const refused = await sendWindow('acme', { kind: 'window', from: '2026-05-03T22:00:00.000Z', to: '2026-05-04T22:00:00.000Z', force: false });
      expect(refused.output).toMatchObject({ kind: 'window', failures: [expect.stringContaining('the job is for tenant "acme", which is disabled')] });
    } finally {
      expect((await runCommand(tenantsCommand, testConfig(env), { args: ['enable', 'acme'] })).code).toBe(0);
    }
  });

  it('`run --queue --tenant acme` loads acme from acme\'s API under acme on the workers, and its privacy sweep runs once, in the coordinating process', async () => {
    const ids = simB.expectedSessionIds(new Date(FROM), new Date(UNTIL));
    expect(ids.length).toBeGreaterThan(100);
    expect(simB.anonymize(ids[0])).toBe(true);
    const r = await runCommand(nightlyRun, testConfig(env), { queue: true, tenant: 'acme', until: UNTIL });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^run succeeded in [\d.]+ s \(run \d+\): windows 3 loaded/m);
    expect(r.output).toContain('privacy: 1 session(s) anonymized at mluvii swept');

    // Every unit was a job of acme's, and wrote acme's rows only.
    const runId = Number((await db.knex('etl.runs').where({ tenant: 'acme', kind: 'run' }).max({ id: 'run_id' }))[0].id);
    const windows = await jobsOf(db.knex, QUEUES.window.name);
    // acme's days are London's (ETL_START, a Prague date of the process's settings, begins an hour before its first).
    expect(windows.filter((j) => (j.data as UnitJobData).runId === runId).map((j) => [j.state, (j.data as UnitJobData).tenant])).toEqual([
      ['completed', 'acme'],
      ['completed', 'acme'],
      ['completed', 'acme'],
    ]);
    expect(windows.filter((j) => (j.data as UnitJobData).runId === runId).map((j) => j.singleton_key)).toEqual([
      'acme:2026-05-03T22:00:00.000Z:2026-05-03T23:00:00.000Z',
      'acme:2026-05-03T23:00:00.000Z:2026-05-04T23:00:00.000Z',
      'acme:2026-05-04T23:00:00.000Z:2026-05-05T22:00:00.000Z',
    ]);
    expect(await differences(db.knex, expectedFacts(simB, ids), 'acme')).toEqual([]);
    expect(Number((await db.knex('core.sessions').where({ tenant: 'default' }).count({ n: '*' }))[0].n)).toBe(0);
    expect((await db.knex('etl.windows').where({ status: 'done' }).select('tenant')).map((w) => w.tenant)).toEqual(['acme', 'acme', 'acme']);

    // One sweep: one erasure of the one anonymized session, recorded for acme's run.
    const erasures = await db.knex('etl.erasures').select('tenant', 'why', 'sessions', 'run_id', 'status');
    expect(erasures).toEqual([{ tenant: 'acme', why: 'anonymized', sessions: 1, run_id: runId, status: 'done' }]);
    expect((await db.knex('raw.sessions').where({ tenant: 'acme', session_id: ids[0] }).first('personal_data_removed_at')).personal_data_removed_at).not.toBeNull();
    expect((await db.knex('etl.privacy_sweep').select('tenant')).map((s) => s.tenant)).toEqual(['acme']);
    // The coordinator's and the worker's requests were drawn from acme's one budget, at acme's rate
    // (default's row, if there is one yet, is the hint's load of session 4711: its own budget).
    expect(await db.knex('etl.rate_budget').where({ tenant: 'acme' }).select('tenant', 'rate')).toEqual([{ tenant: 'acme', rate: 2000 }]);
  }, 180_000);

  it('a window job that ends after now − ETL_SETTLE is refused where it runs: nothing listed, loaded or marked', async () => {
    simA.resetStats();
    const done = await sendWindow('default', { kind: 'window', from: '2099-01-01T00:00:00.000Z', to: '2099-01-02T00:00:00.000Z', force: false });
    expect(done.output).toMatchObject({ kind: 'window', counts: {}, failures: [expect.stringContaining('ends after now − ETL_SETTLE')] });
    expect(await db.knex('etl.windows').where({ tenant: 'default' })).toEqual([]);
    expect(simA.stats().total).toBe(0);
  });

  it('takes the hour locks of the connection\'s tenant only when it is registered: an unknown one is refused, not left unlocked', async () => {
    const ghost = tenantKnex(db.url, 'ghost', { max: 1 });
    try {
      await expect(inTransaction(ghost, (trx) => lockSessionHours(trx, [493_000]))).rejects.toThrow('the hour locks of tenant ghost could not be taken: it is not registered in etl.tenants');
    } finally {
      await ghost.destroy();
    }
  });

  it('takes the jobs serve queued in `session-hint` (one for a session the API does not know completes, saying so), and stops as always (exit 143)', async () => {
    const hint = await waitFor('the hint taken', async () => (await jobsOf(db.knex, QUEUES.sessionHint.name)).find((j) => j.state === 'completed'));
    expect([hint.singleton_key, hint.output]).toEqual(['default:4711', { sessionId: 4711, outcome: 'unknown', note: 'session 4711 is unknown to the mluvii API (404) or too large to hold: nothing loaded' }]);
    // Its requests were drawn from default's budget, at default's rate: not acme's.
    expect(await db.knex('etl.rate_budget').orderBy('tenant').select('tenant', 'rate')).toEqual([
      { tenant: 'acme', rate: 2000 },
      { tenant: 'default', rate: 1000 },
    ]);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(143);
  });
});

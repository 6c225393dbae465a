/**
 * Issue "Several tenants, many workers", done-when: two tenants whose session, user, campaign and
 * file ids collide load exactly into one warehouse by several workers. Both tenants' backfills are
 * queued at the same moment and worked by the same two worker processes, then queued again with
 * --force (every window reloaded while the other tenant's windows load beside it): each tenant
 * ends with exactly its own facts, once. acme's API answers some routing histories 404, so the
 * same ids carry other facts there: a row of one tenant written over the other's would show.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import { QUEUES, type UnitJobData } from '../../src/jobs/queues.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startWorker, type RunningProcess } from '../helpers/workers.js';

const FROM = '2026-05-03T20:00:00Z';
const TO = '2026-05-06T09:00:00Z';

let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let env: Record<string, string>;
let dir: string;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  simA = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 37, sessionsPerDay: 80 });
  simB = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 37, sessionsPerDay: 80, clientId: 'acme-api', clientSecret: 'acme-two-workers', misbehaviour: { routingNotFoundRate: 0.4 } });
  env = pipelineEnv(db, simA, { REPORT_TZ: 'Europe/Prague', ETL_WINDOW: '6h', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '8' });
  dir = mkdtempSync(join(tmpdir(), 'mluvii-two-tenants-workers-'));
  writeFileSync(join(dir, 'acme'), simB.clientSecret);
  const add = { args: ['add', 'acme'], baseUrl: simB.url, clientId: simB.clientId, secretFrom: `file:${join(dir, 'acme')}`, reportTz: 'America/New_York', rps: '2000' };
  expect((await runCommand(tenantsCommand, testConfig(env), add)).code).toBe(0);
  workers.push(await startWorker(env, 2), await startWorker(env, 2));
});

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ids = (sim: RunningSimulator) => sim.expectedSessionIds(new Date(FROM), new Date(TO)).sort((a, b) => a - b);
const countOf = async (table: string, tenant: string) => Number((await db.knex(table).where({ tenant }).count({ n: '*' }))[0].n);

async function bothAtOnce(force: boolean): Promise<void> {
  const [a, b] = await Promise.all([
    runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO, queue: true, force }),
    runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO, queue: true, force, tenant: 'acme' }),
  ]);
  expect([a.code, b.code]).toEqual([0, 0]);
}

async function expectExact(): Promise<void> {
  expect(await differences(db.knex, expectedFacts(simA, ids(simA)), 'default')).toEqual([]);
  expect(await differences(db.knex, expectedFacts(simB, ids(simB)), 'acme')).toEqual([]);
  for (const table of ['raw.sessions', 'core.sessions']) {
    expect(await countOf(table, 'default')).toBe(ids(simA).length);
    expect(await countOf(table, 'acme')).toBe(ids(simB).length);
  }
}

describe('two tenants with colliding ids, loaded by the same workers at once', () => {
  it('both backfills queued together load each tenant exactly, every window a job of its own tenant', async () => {
    expect(ids(simA)).toEqual(ids(simB));
    expect(ids(simA).length).toBeGreaterThan(100);
    await bothAtOnce(false);
    await expectExact();
    // The same ids, other facts (acme's missing routing histories): a swapped row could not hide.
    const hashes = async (tenant: string) => new Map((await db.knex('core.sessions').where({ tenant }).select('session_id', 'facts_hash')).map((r) => [Number(r.session_id), r.facts_hash]));
    const [hashA, hashB] = [await hashes('default'), await hashes('acme')];
    expect([...hashA].filter(([id, h]) => hashB.get(id) !== h).length).toBeGreaterThan(10);
    // Every window was a job, of one tenant or the other, each completed once.
    const windows = (await jobsOf(db.knex, QUEUES.window.name)).map((j) => ({ tenant: (j.data as UnitJobData).tenant, state: j.state, key: j.singleton_key }));
    expect(new Set(windows.map((w) => w.state))).toEqual(new Set(['completed']));
    for (const tenant of ['default', 'acme']) {
      const keys = windows.filter((w) => w.tenant === tenant).map((w) => w.key);
      expect(keys.length).toBeGreaterThan(8);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.every((k) => k?.startsWith(`${tenant}:`))).toBe(true);
    }
  }, 240_000);

  it('reloading both tenants at once with --force doubles nothing and leaves each exact', async () => {
    const before = await Promise.all(['default', 'acme'].map((t) => countOf('etl.windows', t)));
    await bothAtOnce(true);
    await expectExact();
    expect(await Promise.all(['default', 'acme'].map((t) => countOf('etl.windows', t)))).toEqual(before);
    for (const tenant of ['default', 'acme']) {
      expect(await db.knex('etl.runs').where({ tenant, kind: 'backfill' }).orderBy('run_id').pluck('status')).toEqual(['succeeded', 'succeeded']);
    }
  }, 240_000);
});

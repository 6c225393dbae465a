/**
 * Issue "Several tenants, many workers": two mluvii tenants whose session, user, campaign and file
 * ids collide (two simulators with the same seed) load side by side into one warehouse, by
 * several writers at once, and both load exactly; each tenant's days follow its own REPORT_TZ.
 * Tenant acme's API answers some routing histories 404, so the same ids carry different facts in
 * the two tenants: a row of one tenant written over the other's could not go unnoticed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { reprocessCommand } from '../../src/commands/reprocess.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { acquireWriterLock } from '../../src/load/writer-lock.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { dayjs } from '../../src/util/dates.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const FROM = '2026-05-03T20:00:00Z';
const TO = '2026-05-06T09:00:00Z';
const ZONES = { default: 'Europe/Prague', acme: 'America/New_York' } as const;

let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let env: Record<string, string>;
let secretDir: string;

beforeAll(async () => {
  db = await freshDatabase();
  simA = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 31, sessionsPerDay: 90 });
  simB = await startSimulator({
    now: clockAt(AFTER_TEST_RANGES),
    seed: 31,
    sessionsPerDay: 90,
    clientId: 'acme-api',
    clientSecret: 'acme-secret-7f3a9c',
    misbehaviour: { routingNotFoundRate: 0.4 },
  });
  env = pipelineEnv(db, simA, { REPORT_TZ: ZONES.default });
  secretDir = mkdtempSync(join(tmpdir(), 'mluvii-tenant-secret-'));
  writeFileSync(join(secretDir, 'acme'), `${simB.clientSecret}\n`);
  const added = await runCommand(tenantsCommand, testConfig(env), {
    args: ['add', 'acme'],
    baseUrl: simB.url,
    clientId: simB.clientId,
    secretFrom: `file:${join(secretDir, 'acme')}`,
    reportTz: ZONES.acme,
    rps: '2000',
  });
  expect(added).toMatchObject({ code: 0, output: expect.stringContaining('tenant acme added') });
});

afterAll(async () => {
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (secretDir) rmSync(secretDir, { recursive: true, force: true });
});

const ids = (sim: RunningSimulator) => sim.expectedSessionIds(new Date(FROM), new Date(TO)).sort((a, b) => a - b);

async function tenantIds(knex: Knex, table: string, tenant: string, column = 'session_id'): Promise<number[]> {
  return (await knex(table).where({ tenant }).orderBy(column).pluck(column)).map(Number);
}

describe('two tenants with colliding ids in one warehouse', () => {
  it('load side by side, by several writers at once, each exactly; one tenant\'s writer never waits for the other\'s', async () => {
    expect(ids(simA)).toEqual(ids(simB)); // the same ids in both tenants
    expect(ids(simA).length).toBeGreaterThan(150);

    // Tenant acme's writer is busy: the environment's tenant loads anyway, and a second writer of acme is turned away.
    const acmeLock = await acquireWriterLock(db.url, 'acme');
    try {
      const busy = await runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO, tenant: 'acme' });
      expect(busy.code).toBe(75);
      const first = await runCommand(backfillCommand, testConfig(env), { from: FROM, to: '2026-05-04T12:00:00Z' });
      expect(first.code).toBe(0);
    } finally {
      await acmeLock.release();
    }
    // Then both tenants at once, each in its own writer.
    const [a, b] = await Promise.all([
      runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO }),
      runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO, tenant: 'acme' }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);

    expect(await differences(db.knex, expectedFacts(simA, ids(simA)), 'default')).toEqual([]);
    expect(await differences(db.knex, expectedFacts(simB, ids(simB)), 'acme')).toEqual([]);
    for (const table of ['raw.sessions', 'core.sessions']) {
      expect(await tenantIds(db.knex, table, 'default')).toEqual(ids(simA));
      expect(await tenantIds(db.knex, table, 'acme')).toEqual(ids(simB));
    }
    // The same ids, other facts: the test would see one tenant's rows in the other's place.
    const hashes = async (tenant: string) => new Map((await db.knex('core.sessions').where({ tenant }).select('session_id', 'facts_hash')).map((r) => [Number(r.session_id), r.facts_hash]));
    const [hashA, hashB] = [await hashes('default'), await hashes('acme')];
    expect([...hashA].filter(([id, h]) => hashB.get(id) !== h).length).toBeGreaterThan(10);
    // Users, campaigns and files share ids too, and each tenant has its own.
    for (const [table, column] of [['core.operators', 'user_id'], ['core.campaigns', 'campaign_id'], ['raw.campaigns', 'campaign_id']] as const) {
      const own = await tenantIds(db.knex, table, 'default', column);
      expect(own.length).toBeGreaterThan(0);
      expect(await tenantIds(db.knex, table, 'acme', column)).toEqual(own);
    }
    const files = async (tenant: string) => (await db.knex('core.session_files').where({ tenant }).count({ n: '*' }))[0].n;
    expect(Number(await files('acme'))).toBeGreaterThan(0);
    expect(await files('acme')).toEqual(await files('default'));

    // Each tenant's checkpoints and runs are its own.
    const runs = await db.knex('etl.runs').select('tenant', 'kind', 'status').orderBy('run_id');
    expect(runs).toEqual([
      { tenant: 'acme', kind: 'backfill', status: 'skipped' },
      { tenant: 'default', kind: 'backfill', status: 'succeeded' },
      expect.objectContaining({ kind: 'backfill', status: 'succeeded' }),
      expect.objectContaining({ kind: 'backfill', status: 'succeeded' }),
    ]);
    expect(new Set(runs.slice(2).map((r) => r.tenant))).toEqual(new Set(['default', 'acme']));
    const windows = async (tenant: string) => (await db.knex('etl.windows').where({ tenant, status: 'done' }).orderBy('window_start').select('window_start', 'window_end'));
    expect((await windows('default')).length).toBeGreaterThan(2);
    // acme's days are New York's: its windows end at New York midnights.
    for (const w of (await windows('acme')).slice(0, -1)) expect(dayjs(w.window_end).tz(ZONES.acme).format('HH:mm')).toBe('00:00');
  }, 240_000);

  it('buckets each tenant\'s days and KPIs by its own REPORT_TZ', async () => {
    const settings = await db.knex.raw(`SELECT tenant, report_tz FROM reporting.report_settings ORDER BY tenant`);
    expect(settings.rows).toEqual([{ tenant: 'acme', report_tz: ZONES.acme }, { tenant: 'default', report_tz: ZONES.default }]);
    for (const [tenant, sim] of [['default', simA], ['acme', simB]] as const) {
      const expected = new Map<string, number>();
      for (const f of expectedFacts(sim, ids(sim)).values()) {
        const day = dayjs(f.session.created_at).tz(ZONES[tenant]).format('YYYY-MM-DD');
        expected.set(day, (expected.get(day) ?? 0) + 1);
      }
      const { rows } = await db.knex.raw(`SELECT day::text AS day, sum(sessions)::int AS n FROM reporting.daily_kpis WHERE tenant = ? GROUP BY day ORDER BY day`, [tenant]);
      expect(new Map(rows.map((r: { day: string; n: number }) => [r.day, r.n]))).toEqual(expected);
    }
  });

  it('reprocesses one tenant without touching the other', async () => {
    const versions = async (tenant: string) => (await db.knex.raw(`SELECT sum(xmin::text::bigint) AS v, count(*) AS n FROM core.sessions WHERE tenant = ?`, [tenant])).rows[0];
    const before = await versions('default');
    const r = await runCommand(reprocessCommand, testConfig(env), { tenant: 'acme', force: true });
    expect(r.code).toBe(0);
    expect(await versions('default')).toEqual(before);
    expect(await differences(db.knex, expectedFacts(simB, ids(simB)), 'acme')).toEqual([]);
    const last = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
    expect(last).toMatchObject({ tenant: 'acme', kind: 'reprocess', status: 'succeeded' });
  }, 120_000);

  it('a connection that chose no tenant can write nothing', async () => {
    const bare = createKnex(db.url, { max: 1 });
    try {
      await expect(bare.raw(`INSERT INTO etl.rejects (reject_key, reason, raw_text) VALUES ('k', 'r', 't')`)).rejects.toThrow(/mluvii\.tenant/);
    } finally {
      await bare.destroy();
    }
  });
});

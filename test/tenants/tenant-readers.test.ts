/**
 * Issue "Several tenants, many workers": a reader role per tenant sees that tenant's rows and no
 * other's through every reporting view, enforced by row-level security (tested as that role: it
 * cannot read core, switch to another role, or widen what it sees by a setting); the reader of
 * every tenant (REPORTING_ROLE) keeps seeing everything. Roles are server-wide: every role here
 * has a random suffix and is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { readerConnection, type ReaderConnection } from '../reporting/reader.js';

const suffix = randomBytes(4).toString('hex');
const ROLE_A = `mluvii_t_default_${suffix}`;
const ROLE_B = `mluvii_t_acme_${suffix}`;
const PASSWORD = `pw-${suffix}`;
const FROM = '2026-05-04T00:00:00Z';
const TO = '2026-05-05T12:00:00Z';

let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let env: Record<string, string>;
let dir: string;
let every: ReaderConnection;
const pools: Knex[] = [];

function as(role: string): Knex {
  const u = new URL(db.url);
  u.username = role;
  u.password = PASSWORD;
  const k = createKnex(u.toString(), { max: 1 });
  pools.push(k);
  return k;
}

async function errorCode(query: Promise<unknown>): Promise<string | undefined> {
  try {
    await query;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

beforeAll(async () => {
  db = await freshDatabase();
  simA = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 8, sessionsPerDay: 60 });
  simB = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 8, sessionsPerDay: 60, clientSecret: 'acme-only', misbehaviour: { routingNotFoundRate: 0.3 } });
  env = pipelineEnv(db, simA, { REPORT_TZ: 'Europe/Prague' });
  dir = mkdtempSync(join(tmpdir(), 'mluvii-tenant-readers-'));
  writeFileSync(join(dir, 'api'), simB.clientSecret);
  writeFileSync(join(dir, 'pw'), PASSWORD);
  const config = testConfig(env);
  const add = { args: ['add', 'acme'], baseUrl: simB.url, clientId: simB.clientId, secretFrom: `file:${join(dir, 'api')}`, reportTz: 'Asia/Tokyo' };
  expect((await runCommand(tenantsCommand, config, add)).code).toBe(0);
  expect((await runCommand(backfillCommand, config, { from: FROM, to: TO })).code).toBe(0);
  expect((await runCommand(backfillCommand, config, { from: FROM, to: TO, tenant: 'acme' })).code).toBe(0);
  for (const [tenant, role] of [['default', ROLE_A], ['acme', ROLE_B]]) {
    const r = await runCommand(tenantsCommand, config, { args: ['grant-reader', tenant, role], passwordFrom: `file:${join(dir, 'pw')}` });
    expect(r).toMatchObject({ code: 0, output: expect.stringContaining(`sees tenant ${tenant}'s rows only`) });
  }
  every = await readerConnection(db); // REPORTING_ROLE: every tenant
});

afterAll(async () => {
  for (const k of pools) await k.destroy();
  await every?.close();
  const admin = createKnex(serverUrl(), { max: 1 });
  try {
    for (const role of [ROLE_A, ROLE_B]) {
      await db?.knex.raw(`DROP OWNED BY "${role}"`).catch(() => undefined);
      await admin.raw(`DROP ROLE IF EXISTS "${role}"`);
    }
  } finally {
    await admin.destroy();
  }
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function reportingViews(): Promise<string[]> {
  const { rows } = await db.knex.raw(`SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v' ORDER BY 1`);
  return rows.map((r: { relname: string }) => `reporting.${r.relname}`);
}

/** Rows per tenant in a view, as `knex` sees them. */
async function tenantsIn(knex: Knex, view: string): Promise<Record<string, number>> {
  const { rows } = await knex.raw(`SELECT tenant, count(*)::int AS n FROM ${view} GROUP BY tenant ORDER BY tenant`);
  return Object.fromEntries(rows.map((r: { tenant: string; n: number }) => [r.tenant, r.n]));
}

describe('a reader role per tenant', () => {
  it('sees its tenant\'s rows, all of them, and none of the other\'s, through every reporting view', async () => {
    const views = await reportingViews();
    expect(views.length).toBeGreaterThanOrEqual(13);
    const [a, b, all] = [as(ROLE_A), as(ROLE_B), every.connect()];
    for (const view of views) {
      const owner = await tenantsIn(db.knex, view); // the owner: every row
      expect({ view, tenants: Object.keys(owner) }).toEqual({ view, tenants: ['acme', 'default'] });
      expect({ view, rows: await tenantsIn(a, view) }).toEqual({ view, rows: { default: owner.default } });
      expect({ view, rows: await tenantsIn(b, view) }).toEqual({ view, rows: { acme: owner.acme } });
      expect({ view, rows: await tenantsIn(all, view) }).toEqual({ view, rows: owner });
    }
    // Asked for the other tenant by name, or by a session id both tenants have: nothing.
    const id = (await db.knex('core.sessions').where({ tenant: 'default' }).first('session_id')).session_id;
    expect((await b.raw(`SELECT * FROM reporting.session_durations WHERE tenant = 'default' OR session_id = ?`, [id])).rows.map((r: { tenant: string }) => r.tenant)).toEqual(['acme']);
  });

  it("sees its tenant's freshness and current interval in interval_kpis, and not the other's", async () => {
    // acme's hints were read later than its windows: its loaded_through differs from default's
    await db.knex('etl.hint_loads').insert({ tenant: 'acme', loaded_through: '2026-05-05T12:03:00Z' });
    const owner = (await db.knex.raw(`SELECT tenant, loaded_through FROM reporting.today_kpis ORDER BY tenant`)).rows as Array<{ tenant: string; loaded_through: Date }>;
    expect(owner.map((r) => [r.tenant, r.loaded_through?.toISOString()])).toEqual([['acme', '2026-05-05T12:03:00.000Z'], ['default', expect.any(String)]]);
    const loaded = Object.fromEntries(owner.map((r) => [r.tenant, r.loaded_through.toISOString()]));
    expect(loaded.default).not.toBe(loaded.acme);
    // "now": 7 minutes into the latest interval default has rows of
    const latest = (await db.knex.raw(`SELECT max(interval_start) AS s FROM reporting.interval_kpis WHERE tenant = 'default'`)).rows[0].s as Date;
    const asOf = new Date(latest.getTime() + 7 * 60_000).toISOString();
    for (const [role, tenant] of [[ROLE_A, 'default'], [ROLE_B, 'acme']]) {
      const seen = await as(role).transaction(async (trx) => {
        await trx.raw(`SELECT set_config('mluvii.as_of', ?, true)`, [asOf]);
        const { rows } = await trx.raw(
          `SELECT tenant, loaded_through, count(*)::int AS n, count(*) FILTER (WHERE is_current)::int AS current,
                  count(*) FILTER (WHERE is_current AND interval_start = ?)::int AS current_at_latest,
                  count(*) FILTER (WHERE interval_start = ?)::int AS at_latest
             FROM reporting.interval_kpis GROUP BY tenant, loaded_through`,
          [latest.toISOString(), latest.toISOString()],
        );
        return rows as Array<{ tenant: string; loaded_through: Date; n: number; current: number; current_at_latest: number; at_latest: number }>;
      });
      expect(seen).toHaveLength(1);
      expect({ role, tenant: seen[0].tenant, loaded_through: seen[0].loaded_through.toISOString() }).toEqual({ role, tenant, loaded_through: loaded[tenant] });
      // every row of that interval is current, and no other
      expect({ role, current: seen[0].current, current_at_latest: seen[0].current_at_latest }).toEqual({ role, current: seen[0].at_latest, current_at_latest: seen[0].at_latest });
      if (tenant === 'default') expect(seen[0].at_latest).toBeGreaterThan(0);
    }
  });

  it('every reporting view, and every core view behind one, runs as its caller (security_invoker)', async () => {
    const { rows } = await db.knex.raw(`
      SELECT n.nspname || '.' || c.relname AS view FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('reporting', 'core') AND c.relkind = 'v' AND NOT ('security_invoker=true' = ANY (coalesce(c.reloptions, '{}')))`);
    expect(rows).toEqual([]);
  });

  it('cannot read core, raw or etl, call their functions, switch to another reader, or widen its rows by a setting', async () => {
    const b = as(ROLE_B);
    for (const t of ['core.sessions', 'core.period_kpis_summary', 'core.kpi_sessions', 'raw.sessions', 'etl.settings', 'etl.tenants', 'etl.tenant_readers']) {
      expect([t, await errorCode(b.raw(`SELECT * FROM ${t} LIMIT 1`))]).toEqual([t, '42501']);
    }
    expect(await errorCode(b.raw(`SELECT etl.readable_tenants(?)`, [every.role]))).toBe('42501');
    for (const role of [ROLE_A, every.role]) expect([role, await errorCode(b.raw(`SET ROLE "${role}"`))]).toEqual([role, '42501']);
    expect(await errorCode(b.raw(`SET SESSION AUTHORIZATION "${ROLE_A}"`))).toBe('42501');
    // The ETL's own setting means nothing to a reader (any role may set a custom setting).
    await b.raw(`SET mluvii.tenant = 'default'`);
    expect(await tenantsIn(b, 'reporting.session_durations')).toEqual({ acme: expect.any(Number) });
    // Turning row security off does not show more: the query is refused.
    await b.raw(`SET row_security = off`);
    expect(await errorCode(b.raw(`SELECT count(*) FROM reporting.daily_kpis`))).toBe('42501');
    await b.raw(`RESET row_security`);
    expect(await errorCode(b.raw(`CREATE VIEW reporting.mine AS SELECT 1`))).toBe('42501');
    expect(await errorCode(b.raw(`DELETE FROM reporting.daily_kpis`))).toBe('42501');
  });

  it("shows each tenant's days in its own REPORT_TZ (the role's TimeZone)", async () => {
    expect((await as(ROLE_B).raw('SHOW timezone')).rows[0].TimeZone).toBe('Asia/Tokyo');
    expect((await as(ROLE_A).raw('SHOW timezone')).rows[0].TimeZone).toBe('Europe/Prague');
  });

  it('never takes over a role that is not its to manage: the reader of every tenant, another tenant\'s reader, a superuser', async () => {
    const su = `mluvii_su_${suffix}`;
    await db.knex.raw(`CREATE ROLE "${su}" SUPERUSER NOLOGIN`);
    try {
      const config = testConfig(env);
      for (const [role, why] of [
        [every.role, `it is the reader role of database ${new URL(db.url).pathname.slice(1)} (its comment says so): it sees every tenant`],
        [ROLE_A, `it is the reader role of tenant default of database`],
        [su, 'it is a superuser'],
      ]) {
        await expect(runCommand(tenantsCommand, config, { args: ['grant-reader', 'acme', role] })).rejects.toThrow(why);
      }
      // nothing changed: A still sees its tenant only
      expect(await tenantsIn(as(ROLE_A), 'reporting.report_settings')).toEqual({ default: 1 });
    } finally {
      await db.knex.raw(`DROP ROLE "${su}"`);
    }
  });
});

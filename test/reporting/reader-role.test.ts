/**
 * The BI role (README "Where the data lands"): reads every reporting view, and gets "permission
 * denied" on every table of raw, core and etl. Roles are cluster-wide, so each run uses a role
 * of its own and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { ensureReaderRole } from '../../src/admin/reader-role.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertOperatorRows, insertSessions } from './core-rows.js';

const role = `mluvii_reader_test_${randomBytes(4).toString('hex')}`;
const nologinRole = `${role}_nologin`;
const password = "s3cret'pa?ss";

let db: TestDatabase;
let reader: Knex;

function asUser(url: string, user: string, pass: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = pass;
  return u.toString();
}

async function relations(schemas: string[], kinds: string[]): Promise<string[]> {
  const { rows } = await db.knex.raw(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(?) AND c.relkind = ANY(?) ORDER BY 1`,
    [schemas, kinds],
  );
  return rows.map((r: { name: string }) => r.name);
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
  await insertSessions(db.knex, [
    { id: 1, created: '2026-03-29T10:00:00Z', accepted: true, inQueue: 5, waiting: 5, answer: 10, active: 60, acw: 10 },
    { id: 2, created: '2026-03-29T11:00:00Z', accepted: false },
  ]);
  await insertOperatorRows(db.knex, [{ session: 1, user: 4, joined: '2026-03-29T10:00:10Z', queue: 5, active: 60, acw: 10, offers: 1 }]);
  await refreshReportingSummaries(db.knex, { from: '2026-03-29', to: '2026-03-30' });
  await ensureReaderRole(db.knex, role, password);
  await ensureReaderRole(db.knex, role, password); // idempotent
  reader = createKnex(asUser(db.url, role, password), { max: 1 });
});

afterAll(async () => {
  await reader?.destroy();
  for (const r of [role, nologinRole]) {
    await db.knex.raw(`DROP OWNED BY ${r}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${r}`);
  }
  await db?.drop();
});

describe('the reader role', () => {
  it('is a login role with no special powers', async () => {
    const { rows } = await db.knex.raw(
      `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword LIKE 'SCRAM-SHA-256$%' AS scram
         FROM pg_authid WHERE rolname = ?`,
      [role],
    );
    expect(rows[0]).toEqual({ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, scram: true });
  });

  it('can SELECT every reporting view', async () => {
    const views = await relations(['reporting'], ['v', 'm', 'r']);
    expect(views).toEqual(expect.arrayContaining(['reporting.daily_kpis', 'reporting.operator_daily', 'reporting.session_durations']));
    for (const v of views) {
      await expect(reader.raw(`SELECT * FROM ${v} LIMIT 5`)).resolves.toBeDefined();
    }
    const { rows } = await reader.raw(`SELECT offered, answered, service_level FROM reporting.daily_kpis`);
    expect(rows).toEqual([{ offered: 2, answered: 1, service_level: 0.5 }]); // session 2 was abandoned
  });

  it('gets "permission denied" on every table of raw, core and etl, and on the migrations table', async () => {
    const tables = await relations(['raw', 'core', 'etl'], ['r', 'p', 'v', 'm']);
    expect(tables).toEqual(expect.arrayContaining(['raw.sessions', 'core.sessions', 'core.period_kpis_summary', 'core.interval_kpis_summary', 'core.kpi_sessions', 'etl.runs', 'etl.settings']));
    for (const t of [...tables, 'public.knex_migrations']) {
      expect([t, await errorCode(reader.raw(`SELECT 1 FROM ${t} LIMIT 1`))]).toEqual([t, '42501']); // insufficient_privilege
    }
    expect(await errorCode(reader.raw(`SELECT core.rebuild_reporting_summaries()`))).toBe('42501');
  });

  it('can change nothing, and create nothing', async () => {
    expect(await errorCode(reader.raw(`DELETE FROM reporting.daily_kpis`))).toBe('42501');
    expect(await errorCode(reader.raw(`CREATE VIEW reporting.mine AS SELECT 1`))).toBe('42501');
    expect(await errorCode(reader.raw(`CREATE TABLE public.mine (x int)`))).toBe('42501');
  });

  it('sees reporting views created later (default privileges)', async () => {
    await db.knex.raw(`CREATE VIEW reporting.later AS SELECT 1 AS x`);
    try {
      await expect(reader.raw(`SELECT x FROM reporting.later`)).resolves.toBeDefined();
    } finally {
      await db.knex.raw(`DROP VIEW reporting.later`);
    }
  });

  it('runs the example questions of docs/metabase.md and of the starter dashboard', async () => {
    const doc = readFileSync(new URL('../../docs/metabase.md', import.meta.url), 'utf8');
    const examples = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(examples).toHaveLength(7); // six KPI questions and recorded minutes per operator
    const { QUESTIONS } = await import('../../scripts/metabase-setup.mjs');
    for (const sql of [...examples, ...QUESTIONS.map((q) => q.query)]) {
      await expect(reader.raw(sql.replace(/;\s*$/, ''))).resolves.toBeDefined();
    }
  });

  it('is created NOLOGIN without a password', async () => {
    await ensureReaderRole(db.knex, nologinRole);
    const { rows } = await db.knex.raw(`SELECT rolcanlogin FROM pg_roles WHERE rolname = ?`, [nologinRole]);
    expect(rows).toEqual([{ rolcanlogin: false }]);
    const { rows: grants } = await db.knex.raw(`SELECT has_table_privilege(?, 'reporting.daily_kpis', 'SELECT') AS can`, [nologinRole]);
    expect(grants).toEqual([{ can: true }]);
  });

  it('refuses a role name that is not a plain identifier', async () => {
    await expect(ensureReaderRole(db.knex, 'bad"; DROP TABLE x; --')).rejects.toMatchObject({ variable: 'REPORTING_ROLE' });
  });
});

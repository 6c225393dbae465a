/**
 * Issue "field-ready", "connections and secrets": the writer lock's connection lost mid-run, the
 * lock's "who holds it" on a server shared by several warehouses, and migrate without CREATEROLE.
 * Through the real CLI, on the real Postgres server.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { acquireWriterLock, isWriterLockHeld } from '../../src/load/writer-lock.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function database(): Promise<TestDatabase> {
  const d = await freshDatabase();
  cleanups.push(() => d.drop());
  return d;
}
async function simulator(opts: Omit<SimulatorOptions, 'now'>): Promise<RunningSimulator> {
  const s = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), ...opts });
  cleanups.push(() => s.stop());
  return s;
}
const dbName = (d: TestDatabase) => new URL(d.url).pathname.slice(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lockHolderPid(admin: TestDatabase, of: TestDatabase): Promise<number | undefined> {
  const r = await admin.knex.raw(`SELECT pid FROM pg_stat_activity WHERE application_name = 'mluvii-etl writer lock' AND datname = ?`, [dbName(of)]);
  return r.rows[0] ? Number(r.rows[0].pid) : undefined;
}

describe('losing the writer-lock connection', () => {
  it('stops the run cleanly: recorded as failed with the reason, exit 1, and the next run proceeds', async () => {
    const db = await database();
    const sim = await simulator({ seed: 4, sessionsPerDay: 100, misbehaviour: { slowRate: 1, slowMs: 150 } });
    const env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC', LOG_LEVEL: 'info', MLUVII_RPS: '200', MLUVII_CONCURRENCY: '4' });
    const range = ['--from', '2026-06-01T00:00:00Z', '--to', '2026-06-21T00:00:00Z'];
    const running = cli(['backfill', ...range], env);
    let pid: number | undefined;
    for (let i = 0; i < 600 && pid === undefined; i++) {
      const started = await db.knex('etl.runs').where({ status: 'running' }).first();
      if (started) pid = await lockHolderPid(db, db);
      if (pid === undefined) await sleep(100);
    }
    expect(pid).toBeDefined();
    await db.knex.raw('SELECT pg_terminate_backend(?)', [pid as number]);
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/Unhandled|\n\s+at /);
    const run = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/lost the writer lock: the database connection was terminated by an administrator/);

    sim.setMisbehaviour({});
    const next = await cli(['backfill', ...range], env);
    expect(next.err).toBe(next.code === 0 ? next.err : '(exit 0 expected)');
    expect((await db.knex('etl.runs').orderBy('run_id', 'desc').first()).status).toBe('succeeded');
  }, 240_000);
});

describe('a load connection ended by an administrator mid-window', () => {
  it('the window fails saying so (not only "ROLLBACK"), the other windows load, and the next run proceeds', async () => {
    const db = await database();
    const sim = await simulator({ seed: 4, sessionsPerDay: 100, misbehaviour: { slowRate: 1, slowMs: 150 } });
    const env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC', LOG_LEVEL: 'info', MLUVII_RPS: '200', MLUVII_CONCURRENCY: '4' });
    const range = ['--from', '2026-06-01T00:00:00Z', '--to', '2026-06-04T00:00:00Z'];
    const running = cli(['backfill', ...range], env);
    let killed = 0;
    for (let i = 0; i < 600 && killed === 0; i++) {
      const r = await db.knex.raw(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = ? AND application_name = 'mluvii-etl' AND state = 'idle in transaction' AND pid <> pg_backend_pid()
            AND now() - xact_start > interval '300 milliseconds'`,
        [dbName(db)],
      );
      killed = r.rows.length;
      if (killed === 0) await sleep(100);
    }
    expect(killed).toBeGreaterThan(0);
    const r = await running;
    expect(r.code).toBe(1);
    const failed = await db.knex('etl.windows').where({ status: 'failed' }).select('error');
    expect({ failed: failed.length, err: failed.length === 1 ? '' : r.err }).toEqual({ failed: 1, err: '' });
    expect(failed[0].error).toMatch(/the database connection was (terminated by an administrator|lost)/);
    expect(Number((await db.knex('etl.windows').where({ status: 'done' }).count({ n: '*' }))[0].n)).toBe(2);
    sim.setMisbehaviour({});
    expect((await cli(['backfill', ...range], env)).code).toBe(0);
  }, 240_000);
});

describe('two warehouses on one Postgres server', () => {
  it("the lock query sees only the current database's holder", async () => {
    const a = await database();
    const b = await database();
    const lockB = await acquireWriterLock(b.url);
    try {
      expect(await isWriterLockHeld(b.knex)).toBe(true);
      expect(await isWriterLockHeld(a.knex)).toBe(false); // B's writer is not A's

      const lockA = await acquireWriterLock(a.url);
      try {
        const pidA = await lockHolderPid(a, a);
        const pidB = await lockHolderPid(a, b);
        const sim = await simulator({ seed: 4 });
        const r = await cli(['run'], pipelineEnv(a, sim, { LOG_LEVEL: 'error' }));
        expect(r.code).toBe(75); // another writer holds this warehouse's lock: nothing done
        expect(r.err).toContain(`database backend pid ${pidA}`);
        expect(r.err).not.toContain(`pid ${pidB}`);
      } finally {
        await lockA.release();
      }
    } finally {
      await lockB.release();
    }
  }, 120_000);
});

/** A database owned by a new login role without CREATEROLE (with a password: the server may not trust local logins). */
async function ownedDatabase(tag: string): Promise<{ owner: string; database: string; url: string; admin: Knex; suffix: string }> {
  const suffix = randomBytes(4).toString('hex');
  const owner = `mluvii_owner_${tag}_${suffix}`;
  const database = `mluvii_nocr_${tag}_${suffix}`;
  const password = `owner-pw-${suffix}`;
  const admin = createKnex(serverUrl(), { max: 1 });
  const readers: string[] = [];
  cleanups.push(async () => {
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const r of readers) await admin.raw(`DROP ROLE IF EXISTS ${r}`);
    await admin.raw(`DROP ROLE IF EXISTS ${owner}`);
    await admin.destroy();
  });
  await admin.raw(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEROLE NOCREATEDB`);
  await admin.raw(`CREATE DATABASE ${database} OWNER ${owner}`);
  const url = new URL(serverUrl());
  url.username = owner;
  url.password = password;
  url.pathname = `/${database}`;
  readers.push(`mluvii_rd_${tag}_${suffix}`);
  return { owner, database, url: url.toString(), admin, suffix };
}

describe('migrate by a database owner without CREATEROLE', () => {
  it('finishes with a warning that names the statements an admin must run; after them, migrate grants the role', async () => {
    const { database, url, admin, suffix } = await ownedDatabase('a');
    const reader = `mluvii_rd_a_${suffix}`;
    const env = { DATABASE_URL: url, REPORTING_ROLE: reader, LOG_LEVEL: 'warn' };

    const r = await cli(['migrate'], env);
    expect({ code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toContain(
      `An admin must run: CREATE ROLE ${reader} NOLOGIN; COMMENT ON ROLE "${reader}" IS 'mluvii-etl reader of database ${database}'; ALTER ROLE "${reader}" IN DATABASE "${database}" SET timezone = 'Europe/Prague';`,
    );

    await admin.raw(`CREATE ROLE ${reader} NOLOGIN`); // without the comment: a plain role is taken on all the same
    await admin.raw(`ALTER ROLE "${reader}" IN DATABASE "${database}" SET timezone = 'Europe/Prague'`);
    const again = await cli(['migrate'], env);
    expect(again.code).toBe(0);
    expect(again.out).not.toContain('warning');
    const owned = createKnex(url, { max: 1 });
    try {
      const can = await owned.raw(`SELECT has_table_privilege(?, 'reporting.daily_kpis', 'SELECT') AS ok`, [reader]);
      expect(can.rows[0].ok).toBe(true);
    } finally {
      await owned.destroy();
    }
  }, 120_000);

  it('with REPORTING_ROLE_PASSWORD: warns until an admin has set the password, then no more (it checks that the role logs in with it)', async () => {
    const { database, url, admin, suffix } = await ownedDatabase('p');
    const reader = `mluvii_rd_p_${suffix}`;
    const password = `reader-pw-${suffix}`;
    const env = { DATABASE_URL: url, REPORTING_ROLE: reader, REPORTING_ROLE_PASSWORD: password, LOG_LEVEL: 'error' };

    const first = await cli(['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.out).toContain(`An admin must run: CREATE ROLE ${reader} LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'; COMMENT ON ROLE`);
    expect(first.out).not.toContain(password);

    // The admin runs what it said (as a superuser, so the owner may not alter the role afterwards).
    await admin.raw(`CREATE ROLE ${reader} LOGIN PASSWORD '${password}'`);
    await admin.raw(`COMMENT ON ROLE ${reader} IS 'mluvii-etl reader of database ${database}'`);
    await admin.raw(`ALTER ROLE "${reader}" IN DATABASE "${database}" SET timezone = 'Europe/Prague'`);
    for (let i = 0; i < 2; i++) {
      const next = await cli(['migrate'], env);
      expect({ code: next.code, out: next.out }).toEqual({ code: 0, out: expect.not.stringContaining('warning') });
    }

    // Where the server checks passwords, a password that differs is still reported.
    const wrong = new URL(url);
    wrong.username = reader;
    wrong.password = 'not-the-password';
    const probe = createKnex(wrong.toString(), { max: 1 });
    const trusting = await probe.raw('SELECT 1').then(() => true, () => false);
    await probe.destroy();
    if (!trusting) {
      await admin.raw(`ALTER ROLE ${reader} PASSWORD 'another-${suffix}'`);
      const differs = await cli(['migrate'], env);
      expect(differs.code).toBe(0);
      expect(differs.out).toContain(`may not set its password. An admin must run: ALTER ROLE ${reader} LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'`);
    }
  }, 120_000);
});

describe('DATABASE_URL with an unencoded @ in its password', () => {
  it('hides the whole password wherever the URL is printed, and says to percent-encode it', async () => {
    const url = 'postgres://etl:Pa@SecretPw99@127.0.0.1:1/warehouse';
    const r = await cli(['status'], { DATABASE_URL: url, LOG_LEVEL: 'warn' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('DATABASE_URL=postgres://etl:***@127.0.0.1:1/warehouse: connection refused');
    expect(r.err).toContain("percent-encode the characters of its password that URLs reserve ('@' as %40)");
    expect(r.err + r.out).not.toMatch(/SecretPw99|Pa@/);
  }, 60_000);
});

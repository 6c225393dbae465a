/**
 * Issue "Hostile inputs, round 2", roles and secrets: REPORTING_ROLE naming a role that is not
 * this warehouse's (a superuser, the reader of another warehouse on the same server, a role with
 * powers or objects, the ETL's own user) is refused with what to do, and left exactly as it was;
 * the default reader role is one per database; `run` as the reader role says it cannot write.
 * Roles are server-wide: every role here has a random suffix and is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKnex } from '../../src/db/knex.js';
import { databaseChecks } from '../../src/doctor/database-checks.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';

const suffix = randomBytes(4).toString('hex');
const admin = createKnex(serverUrl(), { max: 1 });
const roles: string[] = [];
const databases: TestDatabase[] = [];

/** A role of this test (dropped afterwards), created by the server's admin with `attributes`. */
async function role(name: string, attributes: string): Promise<string> {
  const r = `${name}_${suffix}`;
  roles.push(r);
  await admin.raw(`CREATE ROLE ${r} ${attributes}`);
  return r;
}

async function database(): Promise<TestDatabase> {
  const d = await freshDatabase();
  databases.push(d);
  return d;
}

const dbName = (d: TestDatabase) => new URL(d.url).pathname.slice(1);

function asUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/** The role's catalog row as an admin sees it: what a takeover would change. */
async function roleRow(name: string): Promise<Record<string, unknown>> {
  const { rows } = await admin.raw(
    `SELECT rolsuper, rolcanlogin, rolcreaterole, rolpassword, shobj_description(oid, 'pg_authid') AS comment,
            (SELECT array_agg(setconfig::text) FROM pg_db_role_setting WHERE setrole = a.oid) AS settings
       FROM pg_authid a WHERE rolname = ?`,
    [name],
  );
  return rows[0] as Record<string, unknown>;
}

async function canSelectReporting(d: TestDatabase, name: string): Promise<boolean> {
  const { rows } = await d.knex.raw(`SELECT has_table_privilege(?, 'reporting.daily_kpis', 'SELECT') AS ok`, [name]);
  return rows[0].ok as boolean;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await database();
});

afterAll(async () => {
  for (const d of databases) await d.drop().catch(() => undefined);
  for (const r of roles.reverse()) {
    await admin.raw(`DROP OWNED BY ${r}`).catch(() => undefined);
    await admin.raw(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  }
  await admin.destroy();
});

describe('REPORTING_ROLE naming a role that is not this warehouse\'s', () => {
  it('a superuser: migrate exits 2 saying why and what to do; its password, login and settings are untouched; doctor fails the reader role', async () => {
    const su = await role('mluvii_su', `SUPERUSER LOGIN PASSWORD 'su-pw-${suffix}'`);
    const before = await roleRow(su);
    const r = await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: su, REPORTING_ROLE_PASSWORD: 'taken-over-1' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`REPORTING_ROLE ${su} is not a role mluvii-etl may manage: it is a superuser`);
    expect(r.err).toContain(`set REPORTING_ROLE to a new role name, e.g. ${dbName(db)}_reader`);
    expect(r.err).not.toMatch(/\n\s+at |REVOKE|GRANT/);
    expect(await roleRow(su)).toEqual(before);
    expect(await canSelectReporting(db, su)).toBe(true); // a superuser reads anything; but no grant was added:
    const { rows } = await admin.raw(`SELECT count(*)::int AS n FROM pg_shdepend WHERE refobjid = (SELECT oid FROM pg_roles WHERE rolname = ?) AND deptype = 'a'`, [su]);
    expect(rows[0].n).toBe(0);

    expect((await databaseChecks(db.url, su)).find((c) => c.name === 'reader role')).toMatchObject({
      level: 'fail',
      detail: `${su} is not this warehouse's to manage: it is a superuser`,
      hint: expect.stringContaining('set REPORTING_ROLE to a new role name'),
    });

    // every command's settings sync leaves it alone too
    const run = await cli(['reprocess'], { DATABASE_URL: db.url, REPORTING_ROLE: su, REPORT_TZ: 'Asia/Tokyo', LOG_LEVEL: 'warn' });
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(await roleRow(su)).toEqual(before);
  }, 60_000);

  it('a role with powers or objects (CREATEROLE, CREATEDB, owner of a schema) is refused, with no hand-over offered', async () => {
    const creator = await role('mluvii_cr', 'NOLOGIN CREATEROLE');
    const dbCreator = await role('mluvii_cd', 'NOLOGIN CREATEDB');
    const owner = await role('mluvii_own', 'NOLOGIN');
    await db.knex.raw(`CREATE SCHEMA owned_${suffix} AUTHORIZATION ${owner}`);
    for (const [name, why] of [
      [creator, 'it may create roles (CREATEROLE)'],
      [dbCreator, 'it may create databases (CREATEDB)'],
      [owner, `it owns 1 object(s) (in database ${dbName(db)})`],
    ]) {
      const before = await roleRow(name);
      const r = await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: name, REPORTING_ROLE_PASSWORD: 'taken-over-2' });
      expect({ name, code: r.code }).toEqual({ name, code: 2 });
      expect(r.err).toContain(why);
      expect(r.err).not.toContain('COMMENT ON ROLE');
      expect(await roleRow(name)).toEqual(before);
      expect(await canSelectReporting(db, name)).toBe(false);
    }
    await db.knex.raw(`DROP SCHEMA owned_${suffix}`);
  }, 90_000);

  it("the ETL's own user: a clear message, not a SQL dump", async () => {
    const etl = await role('mluvii_etlu', `LOGIN PASSWORD 'etl-pw-${suffix}'`);
    const name = `mluvii_own_db_${suffix}`;
    await admin.raw(`CREATE DATABASE ${name} OWNER ${etl}`);
    try {
      const url = new URL(asUser(db.url, etl, `etl-pw-${suffix}`));
      url.pathname = `/${name}`;
      const r = await cli(['migrate'], { DATABASE_URL: url.toString(), REPORTING_ROLE: etl });
      expect(r.code).toBe(2);
      expect(r.err).toContain(`REPORTING_ROLE ${etl} is not a role mluvii-etl may manage: it is the user DATABASE_URL connects as (the ETL's own user)`);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/REVOKE|GRANT|SELECT/);
    } finally {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 60_000);
});

describe('two warehouses on one server', () => {
  it('get a reader role each by default (<database>_reader), marked with its database', async () => {
    const a = await database();
    const b = await database();
    for (const d of [a, b]) {
      const r = await cli(['migrate'], { DATABASE_URL: d.url, REPORTING_ROLE_PASSWORD: `pw-${dbName(d)}` });
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      expect(r.out).toContain(`BI role: ${dbName(d)}_reader`);
      expect((await roleRow(`${dbName(d)}_reader`)).comment).toBe(`mluvii-etl reader of database ${dbName(d)}`);
      expect(await canSelectReporting(d, `${dbName(d)}_reader`)).toBe(true);
    }
    expect(await canSelectReporting(b, `${dbName(a)}_reader`)).toBe(false);
  }, 90_000);

  it("one warehouse's migrate never resets the other's shared reader: refused, saying whose it is", async () => {
    const a = await database();
    const b = await database();
    const shared = `mluvii_shared_${suffix}`;
    roles.push(shared);
    expect((await cli(['migrate'], { DATABASE_URL: a.url, REPORTING_ROLE: shared, REPORTING_ROLE_PASSWORD: 'pw-of-a' })).code).toBe(0);
    const before = await roleRow(shared);
    const r = await cli(['migrate'], { DATABASE_URL: b.url, REPORTING_ROLE: shared, REPORTING_ROLE_PASSWORD: 'pw-of-b' });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`it is the reader role of database ${dbName(a)} (its comment says so)`);
    expect(r.err).toContain(`COMMENT ON ROLE ${shared} IS 'mluvii-etl reader of database ${dbName(b)}'`);
    expect(await roleRow(shared)).toEqual(before); // same password hash, same comment, same settings
    expect(await canSelectReporting(b, shared)).toBe(false);

    const checks = await databaseChecks(b.url, shared); // what doctor prints
    expect(checks.find((c) => c.name === 'reader role')).toMatchObject({
      level: 'fail',
      detail: expect.stringContaining(`${shared} is not this warehouse's to manage: it is the reader role of database ${dbName(a)} (its comment says so)`),
    });
  }, 90_000);

  it('an unmarked plain role is taken on and marked; one with privileges in another database is refused until an admin hands it over', async () => {
    const plain = await role('mluvii_plain', 'NOLOGIN');
    const r = await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: plain });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect((await roleRow(plain)).comment).toBe(`mluvii-etl reader of database ${dbName(db)}`);
    expect(await canSelectReporting(db, plain)).toBe(true);

    const other = await database();
    const used = await role('mluvii_used', 'NOLOGIN');
    await admin.raw(`GRANT CONNECT ON DATABASE ${dbName(other)} TO ${used}`);
    const refused = await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: used });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`it has privileges in database ${dbName(other)}`);
    expect(await canSelectReporting(db, used)).toBe(false);
    await admin.raw(`COMMENT ON ROLE ${used} IS 'mluvii-etl reader of database ${dbName(db)}'`); // the hand-over the message names
    expect((await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: used })).code).toBe(0);
    expect(await canSelectReporting(db, used)).toBe(true);
  }, 90_000);
});

describe('DATABASE_URL connecting as the reader role', () => {
  it('run exits 2 saying this role cannot write and to use the owner role, not "permission denied for schema public"', async () => {
    const reader = `mluvii_rw_${suffix}`;
    roles.push(reader);
    const password = `pw-${suffix}`;
    expect((await cli(['migrate'], { DATABASE_URL: db.url, REPORTING_ROLE: reader, REPORTING_ROLE_PASSWORD: password })).code).toBe(0);
    const runs = async () => (await db.knex('etl.runs').count({ n: '*' }))[0].n;
    const runsBefore = await runs();
    const env = { DATABASE_URL: asUser(db.url, reader, password), REPORTING_ROLE: reader, MLUVII_BASE_URL: 'http://127.0.0.1:1', MLUVII_CLIENT_ID: 'x', MLUVII_CLIENT_SECRET: 'y' };
    for (const command of ['run', 'migrate']) {
      const r = await cli([command], env);
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
      expect(r.err).toContain(`DATABASE_URL connects as ${reader}, which cannot write to this warehouse (it is the read-only BI role of database ${dbName(db)}`);
      expect(r.err).toMatch(/use the owner role \(postgres\)/);
      expect(r.err).not.toMatch(/permission denied/);
    }
    expect(await runs()).toBe(runsBefore);
    const checks = await databaseChecks(env.DATABASE_URL, reader);
    expect(checks.find((c) => c.name === 'privileges') ?? checks).toMatchObject({
      level: 'fail',
      detail: expect.stringContaining(`cannot write to this warehouse: it is the read-only BI role of database ${dbName(db)}`),
      hint: 'use the owner role (postgres) in DATABASE_URL',
    });
  }, 60_000);
});

import type { Knex } from 'knex';
import { ConfigError, UsageError } from '../errors.js';
import { defaultReaderRole } from '../config.js';
import { grantReading } from './reader-grants.js';
import { readerRoleMark, readerRoleStanding, refusalMessage } from './reader-role-standing.js';
import { scramVerifier } from './scram-verifier.js';

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertRoleName(role: string, tenant?: string): void {
  if (ROLE_NAME.test(role)) return;
  if (tenant !== undefined) throw new UsageError(`the reader role of tenant ${tenant} must be a lower-case SQL identifier (letters, digits, _), got "${role}"`);
  throw new ConfigError('REPORTING_ROLE', `REPORTING_ROLE must be a lower-case SQL identifier (letters, digits, _), got "${role}"`);
}

/** What ensureReaderRole could not do itself: why, and the statements an admin must run instead. */
export interface ReaderRoleShortfall {
  why: string[];
  statements: string[];
}

export interface ReaderRoleOptions {
  /** Asked only when we may not set the password: can the role already log in with it? (An admin may have set it.) */
  logsInWith?: (role: string, password: string) => Promise<boolean>;
  /**
   * The reader of this tenant alone (`tenants grant-reader`): it sees that tenant's rows and no
   * other's, and its TimeZone follows that tenant's REPORT_TZ (pass the tenant's connection).
   * Unset: REPORTING_ROLE, the reader of every tenant.
   */
  tenant?: string;
}

/**
 * Runs `sql` in a savepoint: true when done, false when the server says we may not (our
 * transaction stays usable); any other error is thrown.
 */
async function ifPermitted(trx: Knex.Transaction, run: (sp: Knex.Transaction) => Promise<unknown>): Promise<boolean> {
  try {
    await trx.transaction(run);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw err;
    return false;
  }
}

/**
 * Makes `role` the BI tools' role (README "Where the data lands"): it can SELECT every view of
 * `reporting` (also ones created later by the same owner) and nothing else, neither raw (guest
 * IPs, phone numbers, transcripts) nor core nor etl (reader-grants.ts). With `opts.tenant` it is
 * that tenant's reader and sees its rows only (row-level security). Idempotent; call it after migrating.
 *
 * - Only a role that is this warehouse's (reader-role-standing.ts) is touched; any other role is
 *   refused with a ConfigError that says what to do. A role it creates, or takes on, is marked
 *   with a comment naming this database.
 * - Created with LOGIN and `password` when one is given, else NOLOGIN (grant it to a login role).
 *   An existing role gets the password (and LOGIN) when one is given and is otherwise left as it is.
 * - Without the right to manage roles (a database owner without CREATEROLE) it does what it may
 *   and returns the statements an admin must run; a password the role already logs in with
 *   (`logsInWith`) needs none.
 * - The views run with the reader's rights (so that row-level security sees it): it holds SELECT
 *   on the tables behind them, but no USAGE on their schemas, so it names none of them.
 * - Roles are cluster-wide; the grants are for the current database.
 * - Where PUBLIC may still create objects in the `public` schema (Postgres ≤ 14 defaults) and we
 *   own that schema, that right is revoked from PUBLIC (the Postgres 15 default), since it cannot be
 *   taken from one role alone. Other rights PUBLIC has everywhere (CONNECT, TEMP, reading
 *   pg_catalog) remain.
 */
export async function ensureReaderRole(
  knex: Knex,
  role: string,
  password?: string,
  opts: ReaderRoleOptions = {},
): Promise<{ timeZone: ReaderTimeZoneSync; shortfall?: ReaderRoleShortfall }> {
  const { tenant } = opts;
  assertRoleName(role, tenant);
  const r = `"${role}"`; // safe: the pattern admits no quote
  return knex.transaction(async (trx) => {
    const standing = await readerRoleStanding(trx, role, tenant);
    if (standing.kind === 'refused') {
      if (tenant !== undefined) throw new UsageError(refusalMessage(role, standing, tenantReaderRole(standing.database, tenant), tenant));
      throw new ConfigError('REPORTING_ROLE', refusalMessage(role, standing, defaultReaderRole(standing.database)));
    }
    const mark = `COMMENT ON ROLE ${r} IS '${readerRoleMark(standing.database, tenant).replace(/'/g, "''")}'`;
    const why: string[] = [];
    const statements: string[] = [];
    if (standing.kind === 'absent') {
      const created = await ifPermitted(trx, (sp) => sp.raw(`CREATE ROLE ${r} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOLOGIN; ${mark}`));
      if (!created) {
        const login = password ? `LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'` : 'NOLOGIN';
        return {
          timeZone: 'no-role' as const,
          shortfall: { why: ['may not create roles'], statements: [`CREATE ROLE ${role} ${login}`, mark, await readerTimeZoneStatement(trx, role)] },
        };
      }
    } else if (standing.kind === 'unmarked') {
      // The mark is a courtesy (an owner without the right to manage the role cannot set it): a
      // role with our grants already has privileges in this database, so no other warehouse takes it.
      await ifPermitted(trx, (sp) => sp.raw(mark));
    }
    if (password) {
      // The password travels as a bind parameter and is quoted by the server (%L): never in SQL text.
      const set = await ifPermitted(trx, async (sp) => {
        await sp.raw(`SELECT set_config('mluvii_etl.reader_password', ?, true)`, [scramVerifier(password) ?? password]);
        await sp.raw(`DO $$ BEGIN
          EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', '${role}', current_setting('mluvii_etl.reader_password'));
        END $$`);
        await sp.raw(`SELECT set_config('mluvii_etl.reader_password', '', true)`);
      });
      if (!set && !(await opts.logsInWith?.(role, password))) {
        why.push('may not set its password');
        statements.push(`ALTER ROLE ${role} LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'`);
      }
    }
    await grantReading(trx, role, tenant);
    // Setting the time zone needs the right to alter the role; without it the grants still stand
    // and the caller says which statement an admin must run.
    const timeZone = await setReaderTimeZone(trx, role, 'report');
    if (timeZone === 'not-permitted') {
      why.push('may not set its TimeZone to REPORT_TZ');
      statements.push(await readerTimeZoneStatement(trx, role));
    }
    return { timeZone, shortfall: statements.length ? { why, statements } : undefined };
  });
}

/** The reader role of one tenant when `tenants grant-reader` names none: `<database>_<tenant>_reader`. */
export function tenantReaderRole(database: string, tenant: string): string {
  let base = `${database}_${tenant}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z_]/.test(base)) base = `db_${base}`;
  return `${base.slice(0, 56)}_reader`;
}

/** The statement that sets the reader role's TimeZone in this database to the REPORT_TZ of the connection's tenant. */
export async function readerTimeZoneStatement(knex: Knex, role: string): Promise<string> {
  const { rows } = await knex.raw('SELECT report_tz, current_database() AS db FROM etl.settings WHERE tenant = etl.tenant()');
  const state = rows[0] as { report_tz: string; db: string };
  return timeZoneStatement(role, state.db, state.report_tz);
}

function timeZoneStatement(role: string, database: string, zone: string): string {
  // the role matched the identifier pattern; the database name and zone are quoted
  return `ALTER ROLE "${role}" IN DATABASE "${database.replace(/"/g, '""')}" SET timezone = '${zone.replace(/'/g, "''")}'`;
}

/** What syncReaderTimeZone did; 'not-ours' when REPORTING_ROLE is not this warehouse's to change (reader-role-standing.ts). */
export type ReaderTimeZoneSync = 'set' | 'unchanged' | 'no-role' | 'not-permitted' | 'not-ours';

/**
 * Sets the reader role's TimeZone in this database to the REPORT_TZ of the connection's tenant as etl.settings holds it
 * (`ALTER ROLE … IN DATABASE … SET timezone`), so that a BI tool's own date and hour grouping of
 * instants (created_at, interval_start) buckets them exactly as the views' created_day,
 * created_hour and interval columns do, DST included. Other databases on the server, and other
 * roles, keep their settings. Takes effect for the role's next connections.
 *
 * Called by ensureReaderRole (migrate) and by syncReportingSettings (every command), so a changed
 * REPORT_TZ reaches the role. A role that does not exist yet is left for ensureReaderRole, and a
 * role that is not this warehouse's is never altered (migrate and doctor say why).
 * Without the right to alter the role: throws a ConfigError naming the fix, or, with
 * `ifNotPermitted: 'report'`, leaves the role as it is and returns 'not-permitted'.
 */
export async function syncReaderTimeZone(
  trx: Knex.Transaction,
  role: string,
  opts: { ifNotPermitted: 'throw' | 'report'; tenant?: string } = { ifNotPermitted: 'report' },
): Promise<ReaderTimeZoneSync> {
  assertRoleName(role, opts.tenant);
  const standing = await readerRoleStanding(trx, role, opts.tenant);
  if (standing.kind === 'absent') return 'no-role';
  if (standing.kind === 'refused') return 'not-ours';
  return setReaderTimeZone(trx, role, opts.ifNotPermitted);
}

async function setReaderTimeZone(trx: Knex.Transaction, role: string, ifNotPermitted: 'throw' | 'report'): Promise<ReaderTimeZoneSync> {
  const { rows } = await trx.raw(
    `SELECT st.report_tz, current_database() AS db, r.oid IS NOT NULL AS role_exists,
            coalesce(('TimeZone=' || st.report_tz) = ANY (drs.setconfig), false) AS in_step
       FROM etl.settings st
       LEFT JOIN pg_roles r ON r.rolname = ?
       LEFT JOIN pg_db_role_setting drs
              ON drs.setrole = r.oid AND drs.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      WHERE st.tenant = etl.tenant()`,
    [role],
  );
  const state = rows[0] as { report_tz: string; db: string; role_exists: boolean; in_step: boolean } | undefined;
  if (!state) throw new Error('etl.settings holds no row of this tenant: run `npx mluvii-etl migrate`');
  if (!state.role_exists) return 'no-role';
  if (state.in_step) return 'unchanged';
  const sql = timeZoneStatement(role, state.db, state.report_tz);
  if (await ifPermitted(trx, (sp) => sp.raw(sql))) return 'set'; // a savepoint: a refusal leaves the caller's transaction usable
  if (ifNotPermitted === 'report') return 'not-permitted';
  throw new ConfigError(
    'REPORTING_ROLE',
    `cannot set the time zone of the reporting role "${role}" (not permitted); as a superuser run: ${sql}`,
  );
}

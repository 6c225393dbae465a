import type { Knex } from 'knex';
import { ConfigError } from '../errors.js';
import { scramVerifier } from './scram-verifier.js';

/** Schemas the reader must not reach: guest data (raw), the facts (core), the bookkeeping (etl). */
const CLOSED_SCHEMAS = ['raw', 'core', 'etl'];

/**
 * Makes `role` the BI tools' role (README "Where the data lands"): it can SELECT every view of
 * `reporting` (also ones created later by the same owner) and nothing else, neither raw (guest
 * IPs, phone numbers, transcripts) nor core nor etl. Idempotent; call it after migrating.
 *
 * - Created with LOGIN and `password` when one is given, else NOLOGIN (grant it to a login role).
 *   An existing role gets the password (and LOGIN) when one is given and is otherwise left as it is.
 * - The views run with their owner's rights, so the reader needs no right on core.
 * - Roles are cluster-wide; the grants are for the current database.
 * - Where PUBLIC may still create objects in the `public` schema (Postgres ≤ 14 defaults) and we
 *   own that schema, that right is revoked from PUBLIC (the Postgres 15 default), since it cannot be
 *   taken from one role alone. Other rights PUBLIC has everywhere (CONNECT, TEMP, reading
 *   pg_catalog) remain.
 */
export async function ensureReaderRole(knex: Knex, role: string, password?: string): Promise<ReaderTimeZoneSync> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new ConfigError('REPORTING_ROLE', `REPORTING_ROLE must be a lower-case SQL identifier (letters, digits, _), got "${role}"`);
  }
  const r = `"${role}"`; // safe: the pattern above admits no quote
  return knex.transaction(async (trx) => {
    const exists = (await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role])).rows.length > 0;
    if (!exists) {
      await trx.raw(`CREATE ROLE ${r} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOLOGIN`);
    }
    if (password) {
      // The password travels as a bind parameter and is quoted by the server (%L): never in SQL text.
      await trx.raw(`SELECT set_config('mluvii_etl.reader_password', ?, true)`, [scramVerifier(password) ?? password]);
      await trx.raw(`DO $$ BEGIN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', '${role}', current_setting('mluvii_etl.reader_password'));
      END $$`);
      await trx.raw(`SELECT set_config('mluvii_etl.reader_password', '', true)`);
    }

    const database = (await trx.raw('SELECT current_database() AS db')).rows[0].db as string;
    const closed = CLOSED_SCHEMAS.join(', ');
    await trx.raw(`
      REVOKE ALL ON ALL TABLES    IN SCHEMA ${closed}, public FROM ${r};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${closed}, public FROM ${r};
      REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${closed} FROM ${r};
      REVOKE ALL ON SCHEMA ${closed}, public FROM ${r};
      REVOKE CREATE ON SCHEMA reporting FROM ${r};
      REVOKE ALL ON ALL TABLES IN SCHEMA reporting FROM ${r};

      GRANT CONNECT ON DATABASE "${database.replace(/"/g, '""')}" TO ${r};
      GRANT USAGE ON SCHEMA reporting TO ${r};
      GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ${r};
      ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO ${r};
    `);

    const publicSchema = (
      await trx.raw(`
        SELECT has_schema_privilege(?, 'public', 'CREATE') AS reader_can_create,
               pg_has_role(n.nspowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS we_own_it
          FROM pg_namespace n WHERE n.nspname = 'public'`,
        [role],
      )
    ).rows[0] as { reader_can_create: boolean; we_own_it: boolean } | undefined;
    if (publicSchema?.reader_can_create && publicSchema.we_own_it) {
      await trx.raw('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    }
    // Setting the time zone needs the right to alter the role; without it the grants still stand
    // and the caller says which statement an admin must run (readerTimeZoneStatement).
    return syncReaderTimeZone(trx, role, { ifNotPermitted: 'report' });
  });
}

/** The statement that sets the reader role's TimeZone in this database to etl.settings' REPORT_TZ. */
export async function readerTimeZoneStatement(knex: Knex, role: string): Promise<string> {
  const { rows } = await knex.raw('SELECT report_tz, current_database() AS db FROM etl.settings');
  const state = rows[0] as { report_tz: string; db: string };
  return timeZoneStatement(role, state.db, state.report_tz);
}

function timeZoneStatement(role: string, database: string, zone: string): string {
  // the role matched the identifier pattern; the database name and zone are quoted
  return `ALTER ROLE "${role}" IN DATABASE "${database.replace(/"/g, '""')}" SET timezone = '${zone.replace(/'/g, "''")}'`;
}

/** What syncReaderTimeZone did. */
export type ReaderTimeZoneSync = 'set' | 'unchanged' | 'no-role' | 'not-permitted';

/**
 * Sets the reader role's TimeZone in this database to REPORT_TZ as etl.settings holds it
 * (`ALTER ROLE … IN DATABASE … SET timezone`), so that a BI tool's own date and hour grouping of
 * instants (created_at, interval_start) buckets them exactly as the views' created_day,
 * created_hour and interval columns do, DST included. Other databases on the server, and other
 * roles, keep their settings. Takes effect for the role's next connections.
 *
 * Called by ensureReaderRole (migrate) and by syncReportingSettings (every command), so a changed
 * REPORT_TZ reaches the role. A role that does not exist yet is left for ensureReaderRole.
 * Without the right to alter the role: throws a ConfigError naming the fix, or, with
 * `ifNotPermitted: 'report'`, leaves the role as it is and returns 'not-permitted'.
 */
export async function syncReaderTimeZone(
  trx: Knex.Transaction,
  role: string,
  opts: { ifNotPermitted: 'throw' | 'report' } = { ifNotPermitted: 'report' },
): Promise<ReaderTimeZoneSync> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new ConfigError('REPORTING_ROLE', `REPORTING_ROLE must be a lower-case SQL identifier (letters, digits, _), got "${role}"`);
  }
  const { rows } = await trx.raw(
    `SELECT st.report_tz, current_database() AS db, r.oid IS NOT NULL AS role_exists,
            coalesce(('TimeZone=' || st.report_tz) = ANY (drs.setconfig), false) AS in_step
       FROM etl.settings st
       LEFT JOIN pg_roles r ON r.rolname = ?
       LEFT JOIN pg_db_role_setting drs
              ON drs.setrole = r.oid AND drs.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [role],
  );
  const state = rows[0] as { report_tz: string; db: string; role_exists: boolean; in_step: boolean } | undefined;
  if (!state) throw new Error('etl.settings must hold exactly one row: run `npx mluvii-etl migrate`');
  if (!state.role_exists) return 'no-role';
  if (state.in_step) return 'unchanged';
  const sql = timeZoneStatement(role, state.db, state.report_tz);
  try {
    await trx.transaction((sp) => sp.raw(sql)); // a savepoint: a refusal leaves the caller's transaction usable
    return 'set';
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') throw err;
    if (opts.ifNotPermitted === 'report') return 'not-permitted';
    throw new ConfigError(
      'REPORTING_ROLE',
      `cannot set the time zone of the reporting role "${role}" (not permitted); as a superuser run: ${sql}`,
    );
  }
}

import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { ensureReaderRole, readerTimeZoneStatement } from './reader-role.js';

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

/** What `migrate` could not do itself, and the statements an admin must run instead. */
export interface ReaderRoleShortfall {
  user: string;
  why: string;
  statements: string[];
}

/**
 * The reader role as `migrate` sets it up. It is optional: a database owner without CREATEROLE
 * cannot create it, set its password or its time zone. Then migrate still finishes, and this
 * returns the statements an admin must run (after which migrate, run again, grants the role its
 * rights); undefined when everything was done.
 */
export async function setUpReaderRole(knex: Knex, config: Config): Promise<ReaderRoleShortfall | undefined> {
  const role = config.reportingRole;
  const shortfall = async (why: string, statements: string[]): Promise<ReaderRoleShortfall> => ({
    user: (await knex.raw('SELECT current_user AS u')).rows[0].u as string,
    why,
    statements,
  });
  try {
    const timeZone = await ensureReaderRole(knex, role, config.reportingRolePassword);
    if (timeZone === 'not-permitted') return shortfall('cannot set its TimeZone to REPORT_TZ', [await readerTimeZoneStatement(knex, role)]);
    return undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) throw err;
    const exists = (await knex.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role])).rows.length > 0;
    const login = config.reportingRolePassword ? `LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'` : 'NOLOGIN';
    // An existing role can still get its grants (no role management needed); only the password cannot be set.
    if (exists && config.reportingRolePassword) await ensureReaderRole(knex, role, undefined);
    const statement = exists ? `ALTER ROLE ${role} ${login}` : `CREATE ROLE ${role} ${login}`;
    return shortfall((err as Error).message, [statement, await readerTimeZoneStatement(knex, role)]);
  }
}

import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { registerSecrets } from '../log.js';
import { readerLogsIn } from './reader-login.js';
import { ensureReaderRole } from './reader-role.js';

/** What `migrate` could not do itself, and the statements an admin must run instead. */
export interface ReaderRoleShortfall {
  user: string;
  why: string;
  statements: string[];
}

/**
 * The reader role as `migrate` sets it up. A role that is not this warehouse's is refused (a
 * ConfigError saying what to do). Otherwise it is optional: a database owner without CREATEROLE
 * cannot create the role, set its password or its time zone. Then migrate still finishes, and
 * this returns the statements an admin must run (after which migrate, run again, grants the role
 * its rights and says nothing more: a password the role already logs in with is not asked for
 * again); undefined when everything was done.
 */
export async function setUpReaderRole(knex: Knex, config: Config): Promise<ReaderRoleShortfall | undefined> {
  const databaseUrl = config.databaseUrl;
  registerSecrets(config.reportingRolePassword);
  const { shortfall } = await ensureReaderRole(knex, config.reportingRole, config.reportingRolePassword, {
    logsInWith: databaseUrl ? (role, password) => readerLogsIn(databaseUrl, role, password) : undefined,
  });
  if (!shortfall) return undefined;
  const user = (await knex.raw('SELECT current_user AS u')).rows[0].u as string;
  return { user, why: shortfall.why.join(', '), statements: shortfall.statements };
}

/** What `doctor` asks the database: reachable, migrated, the reader role, the ETL user's rights. Read-only. */
import type { Knex } from 'knex';
import { appliedMigrations, ownPrivileges, roleState, serverIdentity } from '../admin/database-facts.js';
import { readerRoleMark, readerRoleStanding, refusalAdvice } from '../admin/reader-role-standing.js';
import { writeAccess } from '../admin/write-access.js';
import { databaseUrlWarning, defaultReaderRole, redactUrl } from '../config.js';
import { databaseUnavailableReason } from '../db/connection-errors.js';
import { createKnex } from '../db/knex.js';
import { ExtensionlessMigrationSource } from '../db/migrations.js';
import { fail, ok, warn, type Check } from './check.js';

export async function databaseChecks(databaseUrl: string | undefined, readerRole: string): Promise<Check[]> {
  if (!databaseUrl) return [fail('database', 'DATABASE_URL is not set', 'set it to the warehouse: postgres://user:password@host:5432/db')];
  const knex = createKnex(databaseUrl, { max: 1 });
  try {
    return await checksOn(knex, databaseUrl, readerRole);
  } catch (err) {
    const reason = databaseUnavailableReason(err) ?? (err instanceof Error ? err.message : String(err));
    return [fail('database', `cannot use DATABASE_URL=${redactUrl(databaseUrl)}: ${reason}`, 'check host, port, user, password and database name')];
  } finally {
    await knex.destroy();
  }
}

async function checksOn(knex: Knex, databaseUrl: string, readerRole: string): Promise<Check[]> {
  const checks: Check[] = [];
  const v = await serverIdentity(knex);
  const reachable = `reachable: ${redactUrl(databaseUrl)} (PostgreSQL ${v.version}, user ${v.user})`;
  const urlWarning = databaseUrlWarning(databaseUrl);
  checks.push(urlWarning ? warn('database', reachable, urlWarning) : ok('database', reachable));

  const known = await new ExtensionlessMigrationSource().getMigrations();
  const applied = await appliedMigrations(knex);
  const pending = known.filter((m) => !applied?.has(m));
  if (applied === undefined) checks.push(warn('migrated', `cannot tell: ${v.user} may not read public.knex_migrations`, 'see privileges'));
  else if (applied.size === 0) checks.push(warn('migrated', 'no mluvii-etl tables yet', 'run `npx mluvii-etl migrate` (run and backfill also migrate first)'));
  else if (pending.length) checks.push(warn('migrated', `${pending.length} of ${known.length} migrations pending: ${pending.join(', ')}`, 'run `npx mluvii-etl migrate` (the next run would apply them)'));
  else checks.push(ok('migrated', `all ${known.length} migrations applied`));

  const standing = await readerRoleStanding(knex, readerRole);
  const role = await roleState(knex, readerRole);
  if (standing.kind === 'refused') {
    checks.push(fail('reader role', `${readerRole} is not this warehouse's to manage: ${standing.reasons.join('; ')}`, refusalAdvice(readerRole, standing, defaultReaderRole(v.database))));
  } else if (!role.exists) checks.push(warn('reader role', `${readerRole} does not exist`, 'run `npx mluvii-etl migrate` (it creates it; set REPORTING_ROLE_PASSWORD so Metabase can log in)'));
  else if (!role.canLogin) checks.push(warn('reader role', `${readerRole} exists but cannot log in (NOLOGIN)`, 'set REPORTING_ROLE_PASSWORD and run `npx mluvii-etl migrate`, or grant it to a login role'));
  else {
    checks.push(role.readsReporting ? ok('reader role', `${readerRole} can log in and read reporting`) : warn('reader role', `${readerRole} can log in but not read reporting`, 'run `npx mluvii-etl migrate`'));
  }

  const me = await ownPrivileges(knex);
  const rights = `${v.user}: ${me.superuser ? 'superuser' : `CREATEROLE ${me.createRole ? 'yes' : 'no'}, CREATE on the database ${me.createSchema ? 'yes' : 'no'}`}`;
  const access = await writeAccess(knex);
  const migrated = applied === undefined || applied.size > 0;
  if (migrated && access.reasons.length) checks.push(fail('privileges', `${rights}; cannot write to this warehouse: ${access.reasons.join('; ')}`, `use the owner role${access.owner ? ` (${access.owner})` : ''} in DATABASE_URL`));
  else if (me.superuser || (me.createRole && me.createSchema)) checks.push(ok('privileges', rights));
  else if (!me.createSchema && !migrated) checks.push(fail('privileges', rights, 'migrate must create schemas: GRANT CREATE ON DATABASE to this user, or migrate once as the owner'));
  else checks.push(warn('privileges', rights, me.createRole ? 'new schemas need CREATE on the database' : `migrate cannot create or change the reader role; an admin creates it once: CREATE ROLE ${readerRole} LOGIN PASSWORD '…'; COMMENT ON ROLE ${readerRole} IS '${readerRoleMark(v.database).replace(/'/g, "''")}'`));
  return checks;
}

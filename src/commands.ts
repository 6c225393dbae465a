import type { CommandHandler } from './cli.js';
import type { Knex } from 'knex';
import { requireDatabaseUrl, type Config } from './config.js';
import type { Logger } from './log.js';
import { createKnex } from './db/knex.js';
import { migrateLatest } from './db/migrations.js';
import { doctorCommand } from './doctor/command.js';
import { ensureReaderRole, readerTimeZoneStatement } from './load/reader-role.js';
import { syncReportingSettings } from './load/reporting-settings.js';
import { backfillCommand } from './pipeline/backfill.js';
import { demoCommand } from './pipeline/demo.js';
import { filesCommand } from './pipeline/files-command.js';
import { reprocessCommand } from './pipeline/reprocess.js';
import { runCommand } from './pipeline/run.js';
import { statusCommand } from './pipeline/status.js';
import { simulatorCommand } from './simulator/command.js';

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * The reader role is optional: a database owner without CREATEROLE cannot create it, set its
 * password or its time zone. Then migrate still finishes, and says the statements an admin must
 * run (after which migrate, run again, grants the role its rights).
 */
async function ensureReaderRoleOrWarn(knex: Knex, config: Config, logger: Logger, print: (line: string) => void): Promise<void> {
  const role = config.reportingRole;
  const warn = async (why: string, statements: string[]) => {
    const user = (await knex.raw('SELECT current_user AS u')).rows[0].u as string;
    const message = `the BI role ${role} is not fully set up: ${user} may not manage roles (${why}). An admin must run: ${statements.join('; ')}; — then run migrate again`;
    logger.warn({ role, statements }, message);
    print(`warning: ${message}`);
  };
  try {
    const timeZone = await ensureReaderRole(knex, role, config.reportingRolePassword);
    if (timeZone === 'not-permitted') await warn('cannot set its TimeZone to REPORT_TZ', [await readerTimeZoneStatement(knex, role)]);
  } catch (err) {
    if ((err as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) throw err;
    const exists = (await knex.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role])).rows.length > 0;
    const login = config.reportingRolePassword ? `LOGIN PASSWORD '<REPORTING_ROLE_PASSWORD>'` : 'NOLOGIN';
    // An existing role can still get its grants (no role management needed); only the password cannot be set.
    if (exists && config.reportingRolePassword) await ensureReaderRole(knex, role, undefined);
    const statement = exists ? `ALTER ROLE ${role} ${login}` : `CREATE ROLE ${role} ${login}`;
    await warn((err as Error).message, [statement, await readerTimeZoneStatement(knex, role)]);
  }
}

const migrate: CommandHandler = async ({ config, logger, print }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const applied = await migrateLatest(knex);
    await syncReportingSettings(knex, config);
    await ensureReaderRoleOrWarn(knex, config, logger, print);
    // Said once, on stdout (a log line saying the same would print it twice on a terminal).
    logger.debug({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
    print(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database already up to date');
    print(`reporting settings: REPORT_TZ=${config.reportTz}, SERVICE_LEVEL_SECONDS=${config.serviceLevelSeconds}; BI role: ${config.reportingRole}`);
    return 0;
  } finally {
    await knex.destroy();
  }
};

/** Command name → implementation. The CLI (src/cli.ts) owns parsing; these own the work. */
export const commandHandlers: Record<string, CommandHandler> = {
  migrate,
  run: runCommand,
  backfill: backfillCommand,
  reprocess: reprocessCommand,
  files: filesCommand,
  status: statusCommand,
  simulator: simulatorCommand,
  demo: demoCommand,
  doctor: doctorCommand,
};

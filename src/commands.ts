import type { CommandHandler } from './cli.js';
import { requireDatabaseUrl } from './config.js';
import { createKnex } from './db/knex.js';
import { migrateLatest } from './db/migrations.js';
import { ensureReaderRole } from './load/reader-role.js';
import { syncReportingSettings } from './load/reporting-settings.js';
import { backfillCommand } from './pipeline/backfill.js';
import { demoCommand } from './pipeline/demo.js';
import { filesCommand } from './pipeline/files-command.js';
import { reprocessCommand } from './pipeline/reprocess.js';
import { runCommand } from './pipeline/run.js';
import { statusCommand } from './pipeline/status.js';
import { simulatorCommand } from './simulator/command.js';

const migrate: CommandHandler = async ({ config, logger, print }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const applied = await migrateLatest(knex);
    await syncReportingSettings(knex, config);
    await ensureReaderRole(knex, config.reportingRole, config.reportingRolePassword);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
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
};

import { setUpReaderRole } from '../admin/reader-role-setup.js';
import { syncReportingSettings } from '../admin/reporting-settings.js';
import { ensureTenantRow } from '../admin/tenant-registry.js';
import { requireDatabaseUrl } from '../config.js';
import { migrateLatest } from '../db/migrations.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { prepareJobQueues } from '../jobs/prepare.js';
import { envTenant } from '../tenants/tenant.js';
import type { CliCommand, CommandHandler } from './command.js';

const migrate: CommandHandler = async ({ config, logger, print }) => {
  // As the environment's tenant: rows already in a warehouse of an older version become its rows.
  const tenant = envTenant(config);
  const knex = tenantKnex(requireDatabaseUrl(config), tenant, { max: 1 });
  try {
    const applied = await migrateLatest(knex);
    await ensureTenantRow(knex, tenant.name, 'environment');
    await syncReportingSettings(knex, config);
    const shortfall = await setUpReaderRole(knex, config);
    if (shortfall) {
      const role = config.reportingRole;
      const message = `the BI role ${role} is not fully set up: ${shortfall.user} ${shortfall.why}. An admin must run: ${shortfall.statements.join('; ')}; — then run migrate again`;
      logger.warn({ role, statements: shortfall.statements }, message);
      print(`warning: ${message}`);
    }
    // Said once, on stdout (a log line saying the same would print it twice on a terminal).
    logger.debug({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
    print(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database already up to date');
    print(`reporting settings: REPORT_TZ=${config.reportTz}, SERVICE_LEVEL_SECONDS=${config.serviceLevelSeconds}; BI role: ${config.reportingRole}`);
    print(await prepareJobQueues(config, logger, knex));
    return 0;
  } finally {
    await knex.destroy();
  }
};

export const migrateCommand: CliCommand = { name: 'migrate', summary: 'apply the database migrations (idempotent)', handler: migrate };

import { Option } from 'commander';
import { requireDatabaseUrl } from '../config.js';
import { createKnex } from '../db/knex.js';
import { collectTenantsStatus, renderTenantsStatus, tenantsCheckLine } from '../pipeline/tenants-status.js';
import { JOBS_SCHEMA, QUEUES } from '../jobs/queues.js';
import { checkLine, renderStatus } from '../pipeline/status-text.js';
import { loadTenants, resolveTenant } from '../tenants/registered-tenants.js';
import type { CliCommand, CommandHandler } from './command.js';

/**
 * `status [--json] [--check] [--tenant <name>]`: read-only. `--check` prints one line and exits 1
 * when the last run failed, a window is failed, or no run/backfill succeeded in the last 36 hours
 * (for monitors) — of any enabled tenant, or of the one `--tenant` names. A warehouse of one
 * tenant shows exactly what it always did.
 */
const showStatus: CommandHandler = async ({ config, opts, print, now }) => {
  const databaseUrl = requireDatabaseUrl(config);
  let tenants;
  if (opts.tenant !== undefined) tenants = [await resolveTenant(config, opts.tenant, { secrets: false })];
  else {
    const knex = createKnex(databaseUrl, { max: 1 });
    try {
      tenants = await loadTenants(config, knex, { secrets: false });
    } finally {
      await knex.destroy();
    }
  }
  const status = await collectTenantsStatus(config, tenants, now(), { schema: JOBS_SCHEMA, queue: QUEUES.sessionHint.name });
  if (status.tenants.length === 1) {
    const [report] = status.tenants;
    if (opts.json) print(JSON.stringify(report, null, 2));
    else if (opts.check) print(checkLine(report));
    else if (!report.migrated) print(notMigrated(report.check.problems[0]));
    else for (const line of renderStatus(report)) print(line);
    return opts.check && !report.check.ok ? 1 : 0;
  }
  if (opts.json) print(JSON.stringify(status, null, 2));
  else if (opts.check) print(tenantsCheckLine(status));
  else for (const line of renderTenantsStatus(status)) print(line);
  return opts.check && !status.check.ok ? 1 : 0;
};

/** What `status` says about a warehouse it cannot read yet. */
function notMigrated(problem: string): string {
  if (problem.includes('older version')) return 'The database was migrated by an older version of mluvii-etl: run `npx mluvii-etl migrate` (or `run`/`backfill`, which migrate first).';
  return 'The database has no mluvii-etl tables yet: run `npx mluvii-etl migrate` (or `run`/`backfill`, which migrate first).';
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'what is loaded (with gaps), the last run of each kind, failed windows, quality flags, rejects, where the next run starts; of every tenant, or of --tenant',
  options: [
    new Option('--json', 'the same as JSON, for monitoring'),
    new Option('--check', 'one line; exit 1 when the last run failed, a window is failed, or nothing succeeded in 36 h (of any enabled tenant)'),
    new Option('--tenant <name>', 'only this tenant (default: every tenant of the warehouse)'),
  ],
  handler: showStatus,
};

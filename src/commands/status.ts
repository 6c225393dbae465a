import { Option } from 'commander';
import { requireDatabaseUrl } from '../config.js';
import { createKnex } from '../db/knex.js';
import { collectStatus } from '../pipeline/status-report.js';
import { checkLine, renderStatus } from '../pipeline/status-text.js';
import type { CliCommand, CommandHandler } from './command.js';

/**
 * `status [--json] [--check]`: read-only. `--check` prints one line and exits 1 when the last run
 * failed, a window is failed, or no run/backfill succeeded in the last 36 hours (for monitors).
 */
const showStatus: CommandHandler = async ({ config, opts, print, now }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const report = await collectStatus(knex, config, now());
    if (opts.json) print(JSON.stringify(report, null, 2));
    else if (opts.check) print(checkLine(report));
    else if (!report.migrated) print('The database has no mluvii-etl tables yet: run `npx mluvii-etl migrate` (or `run`/`backfill`, which migrate first).');
    else for (const line of renderStatus(report)) print(line);
    return opts.check && !report.check.ok ? 1 : 0;
  } finally {
    await knex.destroy();
  }
};

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'what is loaded (with gaps), the last run of each kind, failed windows, quality flags, rejects, where the next run starts',
  options: [
    new Option('--json', 'the same as JSON, for monitoring'),
    new Option('--check', 'one line; exit 1 when the last run failed, a window is failed, or nothing succeeded in 36 h'),
  ],
  handler: showStatus,
};

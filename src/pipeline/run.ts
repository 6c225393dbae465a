import type { CommandHandler } from '../cli.js';
import { CampaignModes } from './campaign-modes.js';
import { watermark } from './checkpoints.js';
import { clientFromConfig } from './client-from-config.js';
import { extractWindows } from './extract-windows.js';
import { downloadFilesAfterLoad } from './files-command.js';
import { refreshOperatorNames } from './operators.js';
import { refetchIncompleteSessions } from './refetch-incomplete.js';
import { parseTimeArgument, splitWindows } from './windows.js';
import { runWriterJob } from './writer-job.js';

const DAY_MS = 86_400_000;

/**
 * The nightly job: every window from the last done one (or ETL_START, or 30 days ago) up to
 * now − ETL_SETTLE, then the incomplete sessions again (M-DONE).
 */
export const runCommand: CommandHandler = async ({ config, logger }) => {
  const client = clientFromConfig(config, logger);
  const now = new Date();
  return runWriterJob(config, logger, 'run', {}, async ({ knex, runId, counts, logger: log }) => {
    const start =
      (await watermark(knex)) ??
      (config.etlStart ? parseTimeArgument(config.etlStart, 'ETL_START', config.reportTz) : new Date(now.getTime() - 30 * DAY_MS));
    const end = new Date(now.getTime() - config.etlSettleMs);
    const windows = splitWindows({ from: start, to: end }, config.etlWindowMs, config.reportTz);
    log.info({ from: start.toISOString(), to: end.toISOString(), windows: windows.length }, 'extracting');
    await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModes.fresh();
    const deps = { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize };
    const failures = await extractWindows({ ...deps, label: 'run' }, windows, false);
    await refetchIncompleteSessions(deps, { now, maxAgeMs: config.etlIncompleteMaxAgeMs });
    // After every window committed: the files of the sessions loaded now, and of the last
    // ETL_INCOMPLETE_MAX_AGE (recordings that were still processing last night).
    const filesFrom = new Date(Math.min(start.getTime(), now.getTime() - config.etlIncompleteMaxAgeMs));
    await downloadFilesAfterLoad({ config, knex, client, runId, logger: log }, { from: filesFrom, to: end });
    return { failures };
  });
};

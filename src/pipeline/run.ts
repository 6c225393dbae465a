import type { CommandHandler } from '../cli.js';
import { CampaignModes } from './campaign-modes.js';
import { watermark } from './checkpoints.js';
import { clientFromConfig } from './client-from-config.js';
import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { extractWindows } from './extract-windows.js';
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
  return runWriterJob(config, logger, 'run', {}, async ({ knex, runId, counts, logger: log, signal }) => {
    const start =
      (await watermark(knex)) ??
      (config.etlStart ? parseTimeArgument(config.etlStart, 'ETL_START', config.reportTz) : new Date(now.getTime() - 30 * DAY_MS));
    const end = new Date(now.getTime() - config.etlSettleMs);
    const windows = splitWindows({ from: start, to: end }, config.etlWindowMs, config.reportTz);
    log.info({ from: start.toISOString(), to: end.toISOString(), windows: windows.length }, 'extracting');
    await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModes.fresh(log);
    const deps = { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize };
    const { failures, stopped } = await extractWindows({ ...deps, label: 'run', signal }, windows, false);
    // When the API is down (or the lock lost) the rest would fail the same way: one clear failure.
    if (stopped) return { failures };
    await reresolveUnknownCampaigns(deps);
    signal.throwIfAborted();
    // Sessions of this run's windows were fetched minutes ago: fetching them again would only cost requests.
    await refetchIncompleteSessions(deps, { now, maxAgeMs: config.etlIncompleteMaxAgeMs, fetchedFrom: windows.length ? windows[0].from : undefined });
    return { failures };
  });
};

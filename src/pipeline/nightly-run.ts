import { CampaignModeCache } from './campaign-mode-cache.js';
import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { clientFromConfig } from './client-from-config.js';
import { downloadFilesAfterLoad } from './files-job.js';
import { planNextRun } from './next-run.js';
import { refreshOperatorNames } from './operator-names.js';
import { refetchIncompleteSessions } from './refetch-incomplete.js';
import { loadWindows } from './window-loop.js';
import { splitWindows } from './windows.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/**
 * The nightly job: every window from where the last runs stopped (next-run.ts, the one rule
 * `status` shows too) up to now − ETL_SETTLE, then the incomplete sessions again (M-DONE).
 */
export async function nightlyRun({ config, logger, print }: Omit<WriterRunHost, 'client'>): Promise<number> {
  const client = clientFromConfig(config, logger);
  const now = new Date();
  return runAsWriter({ config, logger, print, client }, 'run', {}, async ({ knex, runId, counts, logger: log, signal }) => {
    const plan = await planNextRun(knex, config, now);
    const windows = splitWindows(plan, config.etlWindowMs, config.reportTz);
    log.info({ from: plan.from.toISOString(), to: plan.to.toISOString(), because: plan.because, windows: windows.length }, 'extracting');
    counts.operatorNames = await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModeCache.fresh(log);
    const deps = { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize };
    const { failures, stopped } = await loadWindows({ ...deps, label: 'run', signal }, windows, false);
    // When the API is down (or the lock lost) the rest would fail the same way: one clear failure.
    if (stopped) return { failures };
    await reresolveUnknownCampaigns(deps);
    signal.throwIfAborted();
    // Sessions of this run's windows were fetched minutes ago: fetching them again would only cost requests.
    await refetchIncompleteSessions(deps, { now, maxAgeMs: config.etlIncompleteMaxAgeMs, fetchedFrom: windows.length ? windows[0].from : undefined });
    // After every window committed: the files of the sessions loaded now, and of the last
    // ETL_INCOMPLETE_MAX_AGE (recordings that were still processing last night).
    const filesFrom = new Date(Math.min(plan.from.getTime(), now.getTime() - config.etlIncompleteMaxAgeMs));
    await downloadFilesAfterLoad({ config, knex, client, runId, logger: log }, { from: filesFrom, to: plan.to });
    return { failures };
  });
}

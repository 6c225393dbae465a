import type { TimeWindow } from '../util/time-range.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { clientFromConfig } from './client-from-config.js';
import { downloadFilesAfterLoad } from './files-job.js';
import { refreshOperatorNames } from './operator-names.js';
import { settledLine } from './next-run.js';
import { loadWindows } from './window-loop.js';
import { describeWindow, splitWindows } from './windows.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/** What a backfill loads: the half-open range, in windows of `windowMs`, reloading done windows when `force`; `now` places the settled line. */
export interface BackfillRequest extends TimeWindow {
  windowMs: number;
  force: boolean;
  now: Date;
}

/** The half-open range, window by window, resumable: what done windows already cover is skipped unless `force`. */
export async function backfillRange({ config, logger, print }: Omit<WriterRunHost, 'client'>, { from, to, windowMs, force, now }: BackfillRequest): Promise<number> {
  const client = clientFromConfig(config, logger);
  const windows = splitWindows({ from, to }, windowMs, config.reportTz);
  const args = { from: from.toISOString(), to: to.toISOString(), force, windowMs };
  const settled = settledLine(config, now);
  return runAsWriter({ config, logger, print, client }, 'backfill', args, async ({ knex, runId, counts, logger: log, signal }) => {
    counts.operatorNames = await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModeCache.fresh(log);
    const { failures, stopped, credentialsRefused, leftOver } = await loadWindows(
      { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize, label: 'backfill', signal, settledLine: settled },
      windows,
      force,
    );
    if (leftOver) {
      const line = `backfill loaded up to ${leftOver.from.toISOString()} (now − ETL_SETTLE); ${describeWindow(leftOver)} has not settled yet and is left for \`run\``;
      log.info({ leftOver: describeWindow(leftOver) }, 'not settled yet: left for run');
      print(line);
    }
    // When the API is down, campaigns and files would fail the same way: the next run does them.
    if (stopped) return { failures, credentialsRefused };
    await reresolveUnknownCampaigns({ knex, client, campaigns, runId, counts, logger: log });
    // After the windows' transactions committed (a download never holds one open).
    await downloadFilesAfterLoad({ config, knex, client, runId, logger: log }, { from, to: leftOver ? leftOver.from : to });
    return { failures };
  });
}

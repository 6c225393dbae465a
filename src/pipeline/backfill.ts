import type { TimeWindow } from '../util/time-range.js';
import { tenantOf } from '../tenants/tenant.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { clientFromConfig } from './client-from-config.js';
import { fileJobSettings } from './files.js';
import { refreshOperatorNames } from './operator-names.js';
import { settledLine } from './next-run.js';
import { runStep } from './run-step.js';
import { inProcessRunner, type RunnerFactory } from './unit-runner.js';
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
export async function backfillRange(
  { config, logger, print, queued }: Omit<WriterRunHost, 'client'>,
  { from, to, windowMs, force, now }: BackfillRequest,
  runnerFor: RunnerFactory = inProcessRunner,
): Promise<number> {
  const client = clientFromConfig(config, logger);
  const windows = splitWindows({ from, to }, windowMs, config.reportTz);
  const args = { from: from.toISOString(), to: to.toISOString(), force, windowMs };
  const settled = settledLine(config, now);
  const tenant = tenantOf(config);
  return runAsWriter({ config, logger, print, client, queued }, 'backfill', args, async ({ knex, runId, counts, logger: log, signal }) => {
    counts.operatorNames = await refreshOperatorNames(knex, client, log);
    const runner = runnerFor({ tenant, knex, client: () => client, campaigns: CampaignModeCache.fresh(log), runId, logger: log, signal });
    const { failures, stopped, credentialsRefused, leftOver } = await loadWindows({ knex, runner, counts, logger: log, label: 'backfill', signal, settledLine: settled }, windows, force);
    if (leftOver) {
      const line = `backfill loaded up to ${leftOver.from.toISOString()} (now − ETL_SETTLE); ${describeWindow(leftOver)} has not settled yet and is left for \`run\``;
      log.info({ leftOver: describeWindow(leftOver) }, 'not settled yet: left for run');
      print(line);
    }
    // When the API is down, campaigns and files would fail the same way: the next run does them.
    if (stopped) return { failures, credentialsRefused };
    await runStep(runner, counts, failures, { kind: 'campaigns' });
    // After the windows' transactions committed (a download never holds one open).
    if (fileJobSettings(config)) await runStep(runner, counts, failures, { kind: 'files', from: from.toISOString(), to: (leftOver ? leftOver.from : to).toISOString() });
    return { failures };
  });
}

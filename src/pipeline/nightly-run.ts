import { CampaignModeCache } from './campaign-mode-cache.js';
import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { clientFromConfig } from './client-from-config.js';
import { downloadFilesAfterLoad } from './files-job.js';
import { planNextRun, settledLine } from './next-run.js';
import { privacyLines, privacyPass } from './privacy-pass.js';
import { refreshOperatorNames } from './operator-names.js';
import { refetchIncompleteSessions } from './refetch-incomplete.js';
import { loadWindows } from './window-loop.js';
import { splitWindows } from './windows.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/** What a `run` is asked for: the instant it loads up to (`--until`), else now − ETL_SETTLE. */
export interface NightlyRequest {
  now: Date;
  until?: Date;
}

/**
 * The nightly job: every window from where the last runs stopped (next-run.ts, the one rule
 * `status` shows too) up to now − ETL_SETTLE, then the incomplete sessions again (M-DONE).
 * `until` moves the end earlier, like a scheduler's logical date: the run then behaves as if it
 * ran at until + ETL_SETTLE (where it starts on a first run, which incomplete sessions are still
 * worth fetching), so a night can be re-run as of a past time. It never moves past the settled line.
 * Last, the privacy work (privacy-pass.ts): a sweep that cannot run is said and recorded, and
 * never fails the load.
 */
export async function nightlyRun({ config, logger, print }: Omit<WriterRunHost, 'client'>, request: NightlyRequest): Promise<number> {
  const client = clientFromConfig(config, logger);
  const settled = settledLine(config, request.now);
  if (request.until && request.until > settled) {
    print(`--until ${request.until.toISOString()} is later than now − ETL_SETTLE; run loads up to ${settled.toISOString()} (what is later has not settled yet)`);
  }
  const until = request.until && request.until < settled ? request.until : settled;
  const asOf = new Date(until.getTime() + config.etlSettleMs);
  const args = request.until ? { until: until.toISOString() } : {};
  return runAsWriter({ config, logger, print, client }, 'run', args, async ({ knex, runId, counts, logger: log, signal }) => {
    const plan = await planNextRun(knex, config, asOf);
    const windows = splitWindows(plan, config.etlWindowMs, config.reportTz);
    log.info({ from: plan.from.toISOString(), to: plan.to.toISOString(), because: plan.because, windows: windows.length }, 'extracting');
    counts.operatorNames = await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModeCache.fresh(log);
    const deps = { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize };
    const { failures, stopped, credentialsRefused } = await loadWindows({ ...deps, label: 'run', signal, settledLine: settled }, windows, false);
    // When the API is down (or the lock lost) the rest would fail the same way: one clear failure.
    if (stopped) return { failures, credentialsRefused };
    await reresolveUnknownCampaigns(deps);
    signal.throwIfAborted();
    // Sessions of this run's windows were fetched minutes ago: fetching them again would only cost requests.
    await refetchIncompleteSessions(deps, { now: asOf, maxAgeMs: config.etlIncompleteMaxAgeMs, fetchedFrom: windows.length ? windows[0].from : undefined });
    // After every window committed: the files of the sessions loaded now, and of the last
    // ETL_INCOMPLETE_MAX_AGE (recordings that were still processing last night).
    const filesFrom = new Date(Math.min(plan.from.getTime(), asOf.getTime() - config.etlIncompleteMaxAgeMs));
    await downloadFilesAfterLoad({ config, knex, client, runId, logger: log }, { from: filesFrom, to: plan.to });
    signal.throwIfAborted();
    // What mluvii forgot, and what is past retention: after the load, which it never holds up.
    const privacy = await privacyPass({ knex, client, runId, logger: log, config, now: request.now, signal });
    // Said when it matters to a person: sessions lost their personal data, or the sweep could not run.
    if (privacy.sweep.problem || privacy.sweep.sessions || privacy.retention.sessions) for (const line of privacyLines(privacy)) print(line);
    return { failures };
  });
}

import type { MluviiClient } from '../mluvii/client.js';
import { tenantOf, type Tenant } from '../tenants/tenant.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { clientFromConfig } from './client-from-config.js';
import { fileJobSettings } from './files.js';
import { planNextRun, settledLine } from './next-run.js';
import { privacyLines, privacyPass } from './privacy-pass.js';
import { refreshOperatorNames } from './operator-names.js';
import type { JobOutcome, WriterRunContext } from './run-frame.js';
import { runStep } from './run-step.js';
import { inProcessRunner, type RunnerFactory } from './unit-runner.js';
import { loadWindows } from './window-loop.js';
import { splitWindows } from './windows.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/** What a `run` is asked for: the instant it loads up to (`--until`), else now − ETL_SETTLE. */
export interface NightlyRequest {
  now: Date;
  until?: Date;
}

/** Where a night's run ends and as of when it behaves; `note` when --until was cut at the settled line. */
export function nightlyBounds(config: Tenant['config'], request: NightlyRequest): { settled: Date; asOf: Date; args: Record<string, unknown>; note?: string } {
  const settled = settledLine(config, request.now);
  const note = request.until && request.until > settled ? `--until ${request.until.toISOString()} is later than now − ETL_SETTLE; run loads up to ${settled.toISOString()} (what is later has not settled yet)` : undefined;
  const until = request.until && request.until < settled ? request.until : settled;
  return { settled, asOf: new Date(until.getTime() + config.etlSettleMs), args: request.until ? { until: until.toISOString() } : {}, note };
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
export async function nightlyRun({ config, logger, print, queued }: Omit<WriterRunHost, 'client'>, request: NightlyRequest, runnerFor: RunnerFactory = inProcessRunner): Promise<number> {
  const client = clientFromConfig(config, logger);
  const bounds = nightlyBounds(config, request);
  if (bounds.note) print(bounds.note);
  return runAsWriter({ config, logger, print, client, queued }, 'run', bounds.args, (ctx) =>
    runNight(ctx, { tenant: tenantOf(config), client, runnerFor, now: request.now, print, ...bounds }),
  );
}

/** What a night needs besides its run frame: the tenant, its API client, who runs the units, and when it is. */
export interface NightDeps {
  tenant: Tenant;
  client: MluviiClient;
  runnerFor: RunnerFactory;
  settled: Date;
  asOf: Date;
  /** The real now (the privacy sweep's clock: asOf is only where the load ends). */
  now: Date;
  /** Where lines for a person go (the CLI's stdout); a worker's scheduled run logs them. */
  print?: (line: string) => void;
}

/**
 * The work of one night inside its run frame (the CLI's, or a worker's scheduled run). The
 * privacy pass runs here, in the process that coordinates the night, once, after every unit has
 * finished: it is one sweep of the tenant (one cursor in etl.privacy_sweep), held by the run's
 * writer lock like `privacy sweep`, and its erasures take the same hour locks as the units.
 */
export async function runNight(ctx: WriterRunContext, deps: NightDeps): Promise<JobOutcome> {
  const { knex, runId, counts, logger: log, signal } = ctx;
  const { tenant, client, asOf } = deps;
  const config = tenant.config;
  const plan = await planNextRun(knex, config, asOf);
  const windows = splitWindows(plan, config.etlWindowMs, config.reportTz);
  log.info({ from: plan.from.toISOString(), to: plan.to.toISOString(), because: plan.because, windows: windows.length }, 'extracting');
  counts.operatorNames = await refreshOperatorNames(knex, client, log);
  const runner = deps.runnerFor({ tenant, knex, client: () => client, campaigns: CampaignModeCache.fresh(log), runId, logger: log, signal });
  const { failures, stopped, credentialsRefused } = await loadWindows({ knex, runner, counts, logger: log, label: 'run', signal, settledLine: deps.settled }, windows, false);
  // When the API is down (or the lock lost) the rest would fail the same way: one clear failure.
  if (stopped) return { failures, credentialsRefused };
  await runStep(runner, counts, failures, { kind: 'campaigns' });
  signal.throwIfAborted();
  // Sessions of this run's windows were fetched minutes ago: fetching them again would only cost requests.
  await runStep(runner, counts, failures, { kind: 'refetch', now: asOf.toISOString(), maxAgeMs: config.etlIncompleteMaxAgeMs, fetchedFrom: windows[0]?.from.toISOString() });
  // After every window committed: the files of the sessions loaded now, and of the last
  // ETL_INCOMPLETE_MAX_AGE (recordings that were still processing last night).
  if (fileJobSettings(config)) {
    const filesFrom = new Date(Math.min(plan.from.getTime(), asOf.getTime() - config.etlIncompleteMaxAgeMs));
    await runStep(runner, counts, failures, { kind: 'files', from: filesFrom.toISOString(), to: plan.to.toISOString() });
  }
  signal.throwIfAborted();
  // What mluvii forgot, and what is past retention: after the load, which it never holds up.
  const privacy = await privacyPass({ knex, client, runId, logger: log, config, now: deps.now, signal });
  // Said when it matters to a person: sessions lost their personal data, or the sweep could not run.
  if (privacy.sweep.problem || privacy.sweep.sessions || privacy.retention.sessions) {
    for (const line of privacyLines(privacy)) {
      if (deps.print) deps.print(line);
      else log.info(line);
    }
  }
  return { failures };
}

import type { Knex } from 'knex';
import { syncReportingSettings } from '../admin/reporting-settings.js';
import { ensureTenantRow } from '../admin/tenant-registry.js';
import { requireDatabaseUrl, type Config } from '../config.js';
import { LockBusyError } from '../errors.js';
import { closeAbandonedRuns, emptyCounts, finishRun, startRun, type RunCounts, type RunKind } from '../load/etl-runs.js';
import { isFilesPassRunning, openFilesPass, type FilesPassLock } from '../load/files-pass.js';
import { rebuildAllReportingSummaries } from '../load/reporting-summaries.js';
import { acquireWriterLock } from '../load/writer-lock.js';
import { scrubSecrets, type Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { shareTenantBudget } from './client-from-config.js';
import { tenantNameOf } from '../tenants/tenant.js';
import { describeError } from './describe-error.js';

/**
 * The frame of a writing command, wherever it runs (the CLI: writer-run.ts; a worker's scheduled
 * run: src/jobs/), for the tenant its settings load: register the tenant (the environment's, on
 * its first command), take the tenant's lock, open a row in etl.runs, do the work, close the row.
 * It returns an outcome instead of printing or exiting: a busy lock is `skipped` (nothing done,
 * nothing failed), a stop request (a signal, a worker shutting down, the lost lock) is recorded
 * with why.
 */

export interface WriterRunContext {
  knex: Knex;
  runId: number;
  counts: RunCounts;
  logger: Logger;
  /** Aborted when the run must stop at once (a signal, the writer lock's connection was lost); its reason says why. */
  signal: AbortSignal;
  /** With the `files` lock: the pass's claims on sessions (load/files-pass.ts). */
  filesPass?: FilesPassLock;
}

/**
 * What a command holds while it runs: `writer`, the one-writer lock (run, backfill, reprocess);
 * `files`, a download pass's own lock, which never makes a writer wait (load/files-pass.ts).
 */
export type RunLock = 'writer' | 'files';
const WRITER_KINDS: RunKind[] = ['run', 'backfill', 'reprocess', 'privacy', 'forget'];

/** How long a stopped job may take to reach its next check of `signal` before the frame goes on without it. */
const SETTLE_MS = 30_000;

/** What a job reports back: failures are listed, so the run can end as failed after finishing the rest. */
export interface JobOutcome {
  failures: string[];
  /** The failure is a setting to fix (the API refused the credentials): exit 2, since a retry cannot help. */
  credentialsRefused?: boolean;
}

/** Why a run was told to stop: a signal (Ctrl-C, a scheduler's SIGTERM), a worker shutting down, or the lost lock. */
export class StopRequest extends Error {
  constructor(
    message: string,
    readonly signal?: 'SIGINT' | 'SIGTERM',
  ) {
    super(message);
  }
}

export interface RunFrameHost {
  /** The settings of the tenant the run works for (tenantNameOf: its name). */
  config: Config;
  logger: Logger;
  /** The tenant's pool (db/tenant-knex.ts). */
  knex: Knex;
  /** The API client of the work, whose request, 429 and retry counters go to etl.runs. */
  client?: MluviiClient;
  /** Aborted (with a StopRequest) when whoever started the run wants it stopped. */
  signal?: AbortSignal;
}

export interface RunFrameResult {
  /** The etl.runs row (also for `skipped`). */
  runId: number;
  status: 'succeeded' | 'failed' | 'skipped';
  counts: RunCounts;
  /** The failures (scrubbed of secrets), or the busy lock's message for `skipped`. */
  error?: string;
  credentialsRefused?: boolean;
  /** The run was stopped: why. */
  stop?: StopRequest;
  /** The work threw: the row says failed; the caller reports (or rethrows) it. */
  thrown?: unknown;
}

export async function inRunFrame(host: RunFrameHost, kind: RunKind, args: Record<string, unknown>, work: (ctx: WriterRunContext) => Promise<JobOutcome>, runLock: RunLock = 'writer'): Promise<RunFrameResult> {
  const { config, logger, knex, client } = host;
  const databaseUrl = requireDatabaseUrl(config);
  const secrets = [config.mluviiClientSecret, databaseUrl];
  const tenant = tenantNameOf(config);
  // The environment's tenant is registered by its first command; a disabled one is refused here.
  await ensureTenantRow(knex, tenant, config.tenantRegistered ? 'registry' : 'environment');
  // Its requests count against the tenant's one budget, beside every worker's (the tenant row first: the budget's key).
  if (client) shareTenantBudget(client, knex);
  let lock: { lost: Promise<Error>; release(): Promise<void> };
  let filesPass: FilesPassLock | undefined;
  try {
    if (runLock === 'files') {
      const pass = await openFilesPass(databaseUrl, tenant);
      filesPass = pass;
      lock = { lost: pass.lost, release: () => pass.close() };
    } else lock = await acquireWriterLock(databaseUrl, tenant);
  } catch (err) {
    if (!(err instanceof LockBusyError)) throw err;
    // Overlapping schedules are harmless: nothing was done, and nothing failed.
    const runId = await startRun(knex, kind, args);
    await finishRun(knex, runId, 'skipped', emptyCounts(), err.message);
    logger.warn({ runId }, err.message);
    return { runId, status: 'skipped', counts: emptyCounts(), error: err.message };
  }
  const counts = emptyCounts();
  let runId: number | undefined;
  try {
    if (filesPass) {
      // Beside the writers: only dead `files` rows are ours to close, and only when no other pass runs.
      await filesPass.whenAlone(() => closeAbandonedRuns(knex, ['files']));
    } else {
      const abandoned = await closeAbandonedRuns(knex, (await isFilesPassRunning(knex)) ? WRITER_KINDS : undefined);
      const { changed } = await syncReportingSettings(knex, config);
      // A killed reprocess refreshes summaries per finished day, so its last day may be stale.
      if (abandoned.includes('reprocess') && !changed) await rebuildAllReportingSummaries(knex);
    }
    runId = await startRun(knex, kind, args);
    const log = logger.child({ runId, kind });
    log.info({ args }, `${kind} started`);
    const controller = new AbortController();
    void lock.lost.then((err) => {
      const why = filesPass
        ? `lost the files-pass connection: ${describeError(err)}; stopped so that no other pass downloads the same files (the next pass proceeds)`
        : `lost the writer lock: ${describeError(err)}; stopped so that no other writer overlaps this one (the next run proceeds)`;
      log.error(why);
      controller.abort(new StopRequest(why));
    });
    const onStop = () => controller.abort(host.signal?.reason instanceof StopRequest ? host.signal.reason : new StopRequest(describeError(host.signal?.reason)));
    if (host.signal?.aborted) onStop();
    else host.signal?.addEventListener('abort', onStop, { once: true });
    const outcome = await workUntilStopped(work({ knex, runId, counts, logger: log, signal: controller.signal, filesPass }), controller.signal);
    host.signal?.removeEventListener('abort', onStop);
    const error = outcome.failures.length ? scrubSecrets(outcome.failures.join('; '), secrets) : undefined;
    takeApiCounters(counts, client);
    await finishRun(knex, runId, error ? 'failed' : 'succeeded', counts, error);
    log.info({ ...counts }, error ? `${kind} finished with failures` : `${kind} finished`);
    const stop = controller.signal.aborted ? (controller.signal.reason as StopRequest) : undefined;
    return { runId, status: error ? 'failed' : 'succeeded', counts, error, credentialsRefused: outcome.credentialsRefused, stop };
  } catch (err) {
    const message = scrubSecrets(describeError(err), secrets);
    takeApiCounters(counts, client);
    if (runId === undefined) throw err;
    await finishRun(knex, runId, 'failed', counts, message).catch(() => {});
    return { runId, status: 'failed', counts, error: message, thrown: err };
  } finally {
    await lock.release().catch(() => {});
  }
}

/** The work's outcome; once stopped, it gets a moment to reach its next check and roll back, then the stop is recorded. */
async function workUntilStopped(working: Promise<JobOutcome>, signal: AbortSignal): Promise<JobOutcome> {
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
  aborted.catch(() => undefined);
  try {
    return await Promise.race([working, aborted]);
  } catch (err) {
    if (!signal.aborted) throw err;
    const settled = await Promise.race([working.then((o) => o, () => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SETTLE_MS).unref())]);
    const stop = signal.reason as StopRequest;
    return { failures: [...(settled?.failures ?? []).filter((f) => f !== stop.message), stop.message] };
  }
}

/** The client counts every request it sent for this command (one client per command). */
function takeApiCounters(counts: RunCounts, client: MluviiClient | undefined): void {
  if (!client) return;
  counts.apiRequests += client.requestCount + client.downloadRequestCount;
  counts.apiRateLimited += client.rateLimitedCount;
  counts.apiRetries += client.retryCount;
  counts.settledRps = client.settledRps;
}

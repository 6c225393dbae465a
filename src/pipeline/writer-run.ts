import type { Knex } from 'knex';
import { syncReportingSettings } from '../admin/reporting-settings.js';
import { requireDatabaseUrl, databasePassword } from '../config.js';
import type { Config } from '../config.js';
import { migrateLatest } from '../db/migrations.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { ensureTenantRow } from '../admin/tenant-registry.js';
import { tenantNameOf } from '../tenants/tenant.js';
import { LockBusyError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { closeAbandonedRuns, emptyCounts, finishRun, startRun, type RunCounts, type RunKind } from '../load/etl-runs.js';
import { isFilesPassRunning, openFilesPass, type FilesPassLock } from '../load/files-pass.js';
import { rebuildAllReportingSummaries } from '../load/reporting-summaries.js';
import { acquireWriterLock } from '../load/writer-lock.js';
import { registerSecrets, scrubSecrets, type Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { describeError } from './describe-error.js';

export interface WriterRunContext {
  knex: Knex;
  runId: number;
  counts: RunCounts;
  logger: Logger;
  /** Aborted when the run must stop at once (the writer lock's connection was lost); its reason says why. */
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

/** How long a stopped job may take to reach its next check of `signal` before the process goes on without it. */
const SETTLE_MS = 30_000;

/** What a job reports back: failures are listed, so the run can end as failed after finishing the rest. */
export interface JobOutcome {
  failures: string[];
  /** The failure is a setting to fix (the API refused the credentials): exit 2, since a retry cannot help. */
  credentialsRefused?: boolean;
}

/** Why a run was told to stop: a signal (Ctrl-C, a scheduler's SIGTERM) or the lost writer lock. */
class StopRequest extends Error {
  constructor(
    message: string,
    readonly signal?: 'SIGINT' | 'SIGTERM',
  ) {
    super(message);
  }
}

/** Who runs the job: settings, logger, and where the closing summary line goes (stdout). */
export interface WriterRunHost {
  config: Config;
  logger: Logger;
  print: (line: string) => void;
  /** The API client of the job, whose request, 429 and retry counters go to etl.runs. */
  client?: MluviiClient;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The one line a person (or a cron mail) reads after a writing command, terminal or not. */
export function summaryLine(kind: RunKind, status: 'succeeded' | 'failed', counts: RunCounts, seconds: number, runId: number): string {
  const parts: string[] = [];
  if (kind === 'run' || kind === 'backfill') {
    parts.push(`windows ${n(counts.windowsDone)} loaded, ${n(counts.windowsSkipped)} already done, ${n(counts.windowsFailed)} failed`);
  }
  if (kind !== 'checkpoints') parts.push(`sessions ${n(counts.sessionsSeen)} (${n(counts.sessionsChanged)} changed), ${n(counts.rejects)} rejected`);
  if (kind !== 'reprocess' && kind !== 'checkpoints' && kind !== 'forget') parts.push(`API requests ${n(counts.apiRequests)} (${n(counts.apiRateLimited)} answered 429, ${n(counts.apiRetries)} retried)`);
  const tail = status === 'failed' ? ' — see `npx mluvii-etl status`' : '';
  return `${kind} ${status} in ${seconds.toFixed(1)} s (run ${runId})${parts.length ? `: ${parts.join('; ')}` : ''}${tail}`;
}

/**
 * The frame every writing command (run, backfill, reprocess, files) runs in, for the tenant its
 * settings load (`config.mluviiTenant`, else `default`): migrate, take the tenant's one-writer lock
 * (`files`: its own pass lock instead), open an etl.runs row, do the work, close
 * the row as succeeded or failed, print one summary line. Returns the exit code (src/exit-codes.ts):
 * 0, 1, 2 when the API refused the credentials, 75 when another writer holds the lock (the row
 * says skipped), 130/143 when Ctrl-C or SIGTERM stopped it (the unfinished window rolled back).
 */
export async function runAsWriter(
  host: WriterRunHost,
  kind: RunKind,
  args: Record<string, unknown>,
  work: (ctx: WriterRunContext) => Promise<JobOutcome>,
  runLock: RunLock = 'writer',
): Promise<number> {
  const { config, logger, print, client } = host;
  const started = Date.now();
  const databaseUrl = requireDatabaseUrl(config);
  registerSecrets(config.mluviiClientSecret, databasePassword(databaseUrl));
  // Every query of the run is the tenant's: its connections say so when they open.
  const tenant = tenantNameOf(config);
  const knex = tenantKnex(databaseUrl, tenant, { max: 4 });
  const secrets = [config.mluviiClientSecret, databaseUrl];
  try {
    await migrateLatest(knex);
    await ensureTenantRow(knex, tenant, config.tenantRegistered ? 'registry' : 'environment');
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
      process.stderr.write(`mluvii-etl: ${err.message} (nothing done; recorded as skipped, run ${runId})\n`);
      return EXIT.busy;
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
      // The first Ctrl-C (or a scheduler's SIGTERM) stops at the next check and rolls the window
      // back; a second one ends the process at once (the default handler is back by then).
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => controller.abort(new StopRequest(`interrupted by ${signal}`, signal));
      const stopHandlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
      process.once('SIGINT', stopHandlers.SIGINT);
      process.once('SIGTERM', stopHandlers.SIGTERM);
      const working = work({ knex, runId, counts, logger: log, signal: controller.signal, filesPass });
      const aborted = new Promise<never>((_, reject) =>
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }),
      );
      aborted.catch(() => undefined);
      let outcome: JobOutcome;
      try {
        outcome = await Promise.race([working, aborted]);
      } catch (err) {
        if (!controller.signal.aborted) throw err;
        // Give the job a moment to reach its next check and roll back, then record why we stopped.
        const settled = await Promise.race([working.then((o) => o, () => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SETTLE_MS).unref())]);
        const stop = controller.signal.reason as StopRequest;
        outcome = { failures: [...(settled?.failures ?? []).filter((f) => f !== stop.message), stop.message] };
      } finally {
        process.removeListener('SIGINT', stopHandlers.SIGINT);
        process.removeListener('SIGTERM', stopHandlers.SIGTERM);
      }
      const error = outcome.failures.length ? outcome.failures.join('; ') : undefined;
      takeApiCounters(counts, client);
      await finishRun(knex, runId, error ? 'failed' : 'succeeded', counts, error && scrubSecrets(error, secrets));
      log.info({ ...counts }, error ? `${kind} finished with failures` : `${kind} finished`);
      const signal = controller.signal.aborted ? (controller.signal.reason as StopRequest).signal : undefined;
      if (signal) process.stderr.write(`mluvii-etl: ${interruptedMessage(kind, signal, counts)}\n`);
      else if (error) process.stderr.write(`mluvii-etl: ${kind} failed: ${scrubSecrets(error, secrets)}\n`);
      print(summaryLine(kind, error ? 'failed' : 'succeeded', counts, (Date.now() - started) / 1000, runId));
      if (signal) return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
      if (outcome.credentialsRefused) return EXIT.usage;
      return error ? EXIT.failed : EXIT.ok;
    } catch (err) {
      const message = scrubSecrets(describeError(err), secrets);
      takeApiCounters(counts, client);
      if (runId !== undefined) {
        await finishRun(knex, runId, 'failed', counts, message).catch(() => {});
        print(summaryLine(kind, 'failed', counts, (Date.now() - started) / 1000, runId));
      }
      throw err;
    } finally {
      await lock.release().catch(() => {});
    }
  } finally {
    await knex.destroy();
  }
}

/** What a person who pressed Ctrl-C needs to know: what is kept, what was undone, what happens next. */
function interruptedMessage(kind: RunKind, signal: 'SIGINT' | 'SIGTERM', counts: RunCounts): string {
  const how = signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'stopped by SIGTERM';
  if (kind === 'reprocess') return `${kind} ${how}: the batch in progress was rolled back, the ${counts.sessionsSeen} sessions before it are kept; run reprocess again to finish`;
  if (kind === 'forget' || kind === 'privacy') return `${kind} ${how}: the batch in progress was rolled back, the batches before it are kept; run it again to finish`;
  if (kind === 'files') return `${kind} ${how}: files stored so far are kept, a download in progress was discarded; the next pass continues`;
  return `${kind} ${how}: the window in progress was rolled back, the ${counts.windowsDone} window(s) committed before it are kept; the next ${kind} continues from there`;
}

/** The client counts every request it sent for this command (one client per command). */
function takeApiCounters(counts: RunCounts, client: MluviiClient | undefined): void {
  if (!client) return;
  counts.apiRequests = client.requestCount + client.downloadRequestCount;
  counts.apiRateLimited = client.rateLimitedCount;
  counts.apiRetries = client.retryCount;
  counts.settledRps = client.settledRps;
}

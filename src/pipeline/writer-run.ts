import { databasePassword, requireDatabaseUrl } from '../config.js';
import type { Config } from '../config.js';
import { migrateLatest } from '../db/migrations.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { EXIT } from '../exit-codes.js';
import type { RunCounts, RunKind } from '../load/etl-runs.js';
import { registerSecrets, scrubSecrets, type Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { tenantNameOf } from '../tenants/tenant.js';
import { inRunFrame, StopRequest, type JobOutcome, type RunLock, type WriterRunContext } from './run-frame.js';

export type { JobOutcome, RunLock, WriterRunContext } from './run-frame.js';

/** Who runs the job: settings, logger, and where the closing summary line goes (stdout). */
export interface WriterRunHost {
  config: Config;
  logger: Logger;
  print: (line: string) => void;
  /** The API client of the job, whose request, 429 and retry counters go to etl.runs. */
  client?: MluviiClient;
  /** The units run as jobs on the workers (`--queue`): what an interruption leaves is said differently. */
  queued?: boolean;
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
 * A writing command (run, backfill, reprocess, files, privacy, forget) at the command line, for
 * the tenant its settings load (`config.mluviiTenant`, else `default`): the tenant's connection
 * pool, migrate, then the run frame (run-frame.ts: the tenant's lock, etl.runs row, work), with
 * Ctrl-C and SIGTERM as stop requests, and one summary line. Returns the exit code (src/exit-codes.ts):
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
  // One connection more than the run uses: the API client claims its requests from the tenant's budget on it.
  const knex = tenantKnex(databaseUrl, tenantNameOf(config), { max: 5 });
  const secrets = [config.mluviiClientSecret, databaseUrl];
  // The first Ctrl-C (or a scheduler's SIGTERM) stops at the next check and rolls the window
  // back; a second one ends the process at once (the default handler is back by then).
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => controller.abort(new StopRequest(`interrupted by ${signal}`, signal));
  const stopHandlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  try {
    await migrateLatest(knex);
    process.once('SIGINT', stopHandlers.SIGINT);
    process.once('SIGTERM', stopHandlers.SIGTERM);
    const r = await inRunFrame({ config, logger, knex, client, signal: controller.signal }, kind, args, work, runLock);
    if (r.status === 'skipped') {
      process.stderr.write(`mluvii-etl: ${r.error} (nothing done; recorded as skipped, run ${r.runId})\n`);
      return EXIT.busy;
    }
    const seconds = (Date.now() - started) / 1000;
    if (r.thrown !== undefined) {
      print(summaryLine(kind, 'failed', r.counts, seconds, r.runId));
      throw r.thrown;
    }
    const signal = r.stop?.signal;
    if (signal) process.stderr.write(`mluvii-etl: ${interruptedMessage(kind, host.queued === true)(signal, r.counts)}\n`);
    else if (r.error) process.stderr.write(`mluvii-etl: ${kind} failed: ${scrubSecrets(r.error, secrets)}\n`);
    print(summaryLine(kind, r.status === 'succeeded' ? 'succeeded' : 'failed', r.counts, seconds, r.runId));
    if (signal) return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    if (r.credentialsRefused) return EXIT.usage;
    return r.error ? EXIT.failed : EXIT.ok;
  } finally {
    process.removeListener('SIGINT', stopHandlers.SIGINT);
    process.removeListener('SIGTERM', stopHandlers.SIGTERM);
    await knex.destroy();
  }
}

/** What a person who pressed Ctrl-C needs to know: what is kept, what was undone, what happens next. */
const interruptedMessage =
  (kind: RunKind, queued: boolean) =>
  (signal: 'SIGINT' | 'SIGTERM', counts: RunCounts): string => {
    const how = signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'stopped by SIGTERM';
    if (queued) return `${kind} ${how}: its jobs not yet started were cancelled; those a worker had started finish there; the next ${kind} continues from what is committed`;
    if (kind === 'reprocess') return `${kind} ${how}: the batch in progress was rolled back, the ${counts.sessionsSeen} sessions before it are kept; run reprocess again to finish`;
    if (kind === 'forget' || kind === 'privacy') return `${kind} ${how}: the batch in progress was rolled back, the batches before it are kept; run it again to finish`;
    if (kind === 'files') return `${kind} ${how}: files stored so far are kept, a download in progress was discarded; the next pass continues`;
    return `${kind} ${how}: the window in progress was rolled back, the ${counts.windowsDone} window(s) committed before it are kept; the next ${kind} continues from there`;
  };

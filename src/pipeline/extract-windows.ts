import type { Knex } from 'knex';
import { MluviiApiError } from '../mluvii/client.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { Logger } from '../log.js';
import type { CampaignModes } from './campaign-modes.js';
import { isWindowDone, markWindowFailed } from './checkpoints.js';
import { createProgress } from './progress.js';
import type { RunCounts } from './runs.js';
import { loadWindow } from './window-job.js';
import { describeWindow, type TimeWindow } from './windows.js';
import { describeError } from './describe-error.js';

export interface ExtractWindowsDeps {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModes;
  runId: number;
  counts: RunCounts;
  logger: Logger;
  batchSize: number;
  label: string;
  /** Aborted when the run must stop (the writer lock was lost). */
  signal?: AbortSignal;
}

export interface ExtractOutcome {
  failures: string[];
  /** Set when the run stopped before its last window (the API is unavailable, credentials refused, lock lost). */
  stopped?: string;
}

const reason = (err: unknown): string =>
  err instanceof MluviiApiError
    ? `${err.message} (endpoint ${err.endpoint}, status ${err.status ?? 'none'}, ${err.attempts} attempts)`
    : describeError(err);

/**
 * Why the remaining windows would fail the same way, or undefined when they might not: refused
 * credentials, a certain outage (token endpoint, no connection, a long Retry-After, an HTML page),
 * or a possible one (5xx/429 until the retries ran out) right after another window failed so.
 */
function stopReason(err: unknown, previousWasOutage: boolean): string | undefined {
  if (!(err instanceof MluviiApiError)) return undefined;
  if (err.kind === 'auth') return 'the API refused the credentials or a permission';
  if (err.outage === 'certain') return 'the mluvii API or its token endpoint is unavailable';
  if (err.outage === 'possible' && previousWasOutage) return 'the mluvii API is unavailable (two windows in a row failed on it)';
  return undefined;
}

/**
 * Loads windows one after another. Windows already done are skipped unless `force`; a window
 * that fails is recorded with its reason and the others still run — unless the failure says the
 * API itself is unavailable: then the run stops (one clear failure, not every remaining window
 * failing the same way) and the next run resumes at the failed window. Returns the failures.
 */
export async function extractWindows(deps: ExtractWindowsDeps, windows: TimeWindow[], force: boolean): Promise<ExtractOutcome> {
  const failures: string[] = [];
  let stopped: string | undefined;
  let previousWasOutage = false;
  const progress = createProgress({ totalWindows: windows.length, logger: deps.logger, label: deps.label });
  const requestsBefore = deps.client.requestCount;
  try {
    for (const [index, w] of windows.entries()) {
      if (deps.signal?.aborted) {
        stopped = `stopped: ${describeError(deps.signal.reason)}`;
        failures.push(stopped);
        break;
      }
      if (!force && (await isWindowDone(deps.knex, w))) {
        deps.counts.windowsSkipped += 1;
        progress.windowFinished();
        continue;
      }
      try {
        const r = await loadWindow({ ...deps, onSessions: (n) => progress.addSessions(n) }, w);
        deps.counts.windowsDone += 1;
        deps.counts.sessionsSeen += r.sessions;
        deps.counts.sessionsChanged += r.sessionsChanged;
        deps.counts.rejects += r.rejects;
        deps.logger.debug({ window: describeWindow(w), ...r }, 'window done');
        previousWasOutage = false;
      } catch (err) {
        if (deps.signal?.aborted) {
          stopped = `stopped: ${describeError(deps.signal.reason)}`;
          failures.push(`window ${describeWindow(w)}: not finished`, stopped);
          break;
        }
        const why = reason(err);
        deps.counts.windowsFailed += 1;
        failures.push(`window ${describeWindow(w)}: ${why}`);
        deps.logger.error({ window: describeWindow(w), error: why }, 'window failed');
        await markWindowFailed(deps.knex, w, deps.runId, why);
        const stop = stopReason(err, previousWasOutage);
        previousWasOutage = err instanceof MluviiApiError && err.outage !== undefined;
        if (stop) {
          const left = windows.length - index - 1;
          stopped = `stopped: ${stop}, so the ${left} remaining window(s) were not attempted; the next run resumes at the failed window`;
          failures.push(stopped);
          deps.logger.error({ window: describeWindow(w), remaining: left }, stopped);
          break;
        }
      } finally {
        deps.counts.apiRequests = deps.client.requestCount - requestsBefore;
        deps.counts.settledRps = deps.client.settledRps;
      }
      progress.windowFinished();
    }
  } finally {
    progress.stop();
  }
  return { failures, ...(stopped ? { stopped } : {}) };
}

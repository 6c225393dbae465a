import type { Knex } from 'knex';
import { uncoveredParts } from '../load/etl-windows.js';
import type { RunCounts } from '../load/etl-runs.js';
import type { Logger } from '../log.js';
import type { TimeWindow } from '../util/time-range.js';
import { describeError } from './describe-error.js';
import { createProgress } from './progress.js';
import { addUnitCounts, type UnitOutcome, type UnitRequest } from './unit-types.js';
import type { UnitRunner } from './unit-runner.js';
import { cutAtSettledLine } from './windows.js';

export interface WindowLoopDeps {
  knex: Knex;
  runner: UnitRunner;
  counts: RunCounts;
  logger: Logger;
  label: string;
  /** Aborted when the command must stop (a signal, the lost writer lock). */
  signal?: AbortSignal;
  /** now − ETL_SETTLE when the command started: nothing after it is loaded or marked done. */
  settledLine: Date;
}

export interface ExtractOutcome {
  failures: string[];
  /** Set when the run stopped before its last window (the API is unavailable, credentials refused, lock lost). */
  stopped?: string;
  /** The part of the range after the settled line, not loaded: it is left for `run`. */
  leftOver?: TimeWindow;
  /** The run stopped because the API refused the credentials (or a permission): a setting to fix. */
  credentialsRefused?: boolean;
}

/**
 * Why the remaining windows would fail the same way, or undefined when they might not: refused
 * credentials, a certain outage (token endpoint, no connection, a long Retry-After, an HTML page),
 * or a possible one (5xx/429 until the retries ran out) right after another window failed so.
 */
function stopReason(outcome: UnitOutcome, previousWasOutage: boolean): string | undefined {
  if (outcome.credentialsRefused) return 'the API refused the credentials or a permission';
  if (outcome.outage === 'certain') return 'the mluvii API or its token endpoint is unavailable';
  if (outcome.outage === 'possible' && previousWasOutage) return 'the mluvii API is unavailable (two windows in a row failed on it)';
  return undefined;
}

/**
 * The windows of a run or backfill. Unless `force`, only the parts of a window that no done
 * window covers yet become units (each part a window of its own), so a range is never extracted
 * twice whichever command loaded it; a fully covered window is skipped (and each unit checks
 * again under its locks). The runner runs the units (here, one after another; on the workers, side
 * by side). A window that fails is recorded with its reason and the others still run — unless the
 * failure says the API itself is unavailable: then no further window is started (one clear
 * failure, not every remaining window failing the same way) and the next run resumes at the
 * failed window. Returns the failures.
 */
export async function loadWindows(deps: WindowLoopDeps, planned: TimeWindow[], force: boolean): Promise<ExtractOutcome> {
  const { windows, leftOver } = cutAtSettledLine(planned, deps.settledLine);
  const requests: UnitRequest[] = [];
  for (const window of windows) {
    const parts = force ? [window] : await uncoveredParts(deps.knex, window);
    if (parts.length === 0) deps.counts.windowsSkipped += 1;
    for (const p of parts) requests.push({ kind: 'window', from: p.from.toISOString(), to: p.to.toISOString(), force });
  }
  const failures: string[] = [];
  const state = { stopped: undefined as string | undefined, previousWasOutage: false, credentialsRefused: false, finished: 0 };
  const progress = createProgress({ totalWindows: requests.length, logger: deps.logger, label: deps.label });
  const stoppedBySignal = () => `stopped: ${describeError(deps.signal?.reason)}`;
  try {
    const { interrupted } = await deps.runner.run(
      requests,
      (outcome) => {
        state.finished += 1;
        addUnitCounts(deps.counts, outcome.counts);
        failures.push(...outcome.failures);
        if (!deps.runner.inProcess) progress.addSessions(outcome.counts.sessionsSeen ?? 0);
        progress.windowFinished();
        if (state.stopped) return 'stop';
        if (outcome.interrupted) {
          state.stopped = stoppedBySignal();
          failures.push(state.stopped);
          return 'stop';
        }
        if (!outcome.counts.windowsFailed) {
          state.previousWasOutage = false;
          return undefined;
        }
        const stop = stopReason(outcome, state.previousWasOutage);
        state.previousWasOutage = outcome.outage !== undefined;
        if (!stop) return undefined;
        state.credentialsRefused = outcome.credentialsRefused === true;
        const remaining = requests.length - state.finished;
        state.stopped = `stopped: ${stop}, so the ${remaining} remaining window(s) were not attempted; the next run resumes at the failed window`;
        failures.push(state.stopped);
        deps.logger.error({ remaining }, state.stopped);
        return 'stop';
      },
      { onSessions: (n) => progress.addSessions(n) },
    );
    if (interrupted && !state.stopped) {
      state.stopped = stoppedBySignal();
      failures.push(state.stopped);
    }
  } finally {
    progress.stop();
  }
  return { failures, ...(state.stopped ? { stopped: state.stopped } : {}), ...(leftOver ? { leftOver } : {}), ...(state.credentialsRefused ? { credentialsRefused: true } : {}) };
}

import { markWindowFailed, uncoveredParts } from '../load/etl-windows.js';
import { isCredentialsRefused } from '../exit-codes.js';
import { MluviiApiError } from '../mluvii/client.js';
import type { TimeWindow } from '../util/time-range.js';
import { describeError } from './describe-error.js';
import type { LoadDeps } from './load-deps.js';
import { createProgress, type Progress } from './progress.js';
import { loadWindow } from './window-load.js';
import { cutAtSettledLine, describeWindow } from './windows.js';

export interface WindowLoopDeps extends LoadDeps {
  batchSize: number;
  label: string;
  /** Aborted when the run must stop (the writer lock was lost). */
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
 * Loads windows one after another. Unless `force`, only the parts of a window that no done window
 * covers yet are extracted (each part is then a window of its own), so a range is never extracted
 * twice whichever command loaded it; a fully covered window is skipped. A window that fails is
 * recorded with its reason and the others still run — unless the failure says the API itself is
 * unavailable: then the run stops (one clear failure, not every remaining window failing the same
 * way) and the next run resumes at the failed window. Returns the failures.
 */
export async function loadWindows(deps: WindowLoopDeps, planned: TimeWindow[], force: boolean): Promise<ExtractOutcome> {
  const { windows, leftOver } = cutAtSettledLine(planned, deps.settledLine);
  const failures: string[] = [];
  const state = { stopped: undefined as string | undefined, previousWasOutage: false, credentialsRefused: false };
  const progress = createProgress({ totalWindows: windows.length, logger: deps.logger, label: deps.label });
  try {
    for (const [index, window] of windows.entries()) {
      if (deps.signal?.aborted) {
        state.stopped = `stopped: ${describeError(deps.signal.reason)}`;
        failures.push(state.stopped);
        break;
      }
      const parts = force ? [window] : await uncoveredParts(deps.knex, window);
      if (parts.length === 0) {
        deps.counts.windowsSkipped += 1;
        progress.windowFinished();
        continue;
      }
      for (const w of parts) {
        await extractOne(deps, w, failures, progress, state, windows.length - index - 1);
        if (state.stopped) break;
      }
      if (state.stopped) break;
      progress.windowFinished();
    }
  } finally {
    progress.stop();
  }
  return { failures, ...(state.stopped ? { stopped: state.stopped } : {}), ...(leftOver ? { leftOver } : {}), ...(state.credentialsRefused ? { credentialsRefused: true } : {}) };
}

/** One window: loaded, or recorded as failed; sets `state.stopped` when the remaining windows must not be tried. */
async function extractOne(
  deps: WindowLoopDeps,
  w: TimeWindow,
  failures: string[],
  progress: Progress,
  state: { stopped: string | undefined; previousWasOutage: boolean; credentialsRefused: boolean },
  windowsLeft: number,
): Promise<void> {
  try {
    const r = await loadWindow({ ...deps, onSessions: (n) => progress.addSessions(n) }, w);
    deps.counts.windowsDone += 1;
    deps.counts.sessionsSeen += r.sessions;
    deps.counts.sessionsChanged += r.sessionsChanged;
    deps.counts.rejects += r.rejects;
    deps.logger.debug({ window: describeWindow(w), ...r }, 'window done');
    state.previousWasOutage = false;
  } catch (err) {
    if (deps.signal?.aborted) {
      state.stopped = `stopped: ${describeError(deps.signal.reason)}`;
      failures.push(`window ${describeWindow(w)}: not finished`, state.stopped);
      return;
    }
    const why = reason(err);
    deps.counts.windowsFailed += 1;
    failures.push(`window ${describeWindow(w)}: ${why}`);
    deps.logger.error({ window: describeWindow(w), error: why }, 'window failed');
    await markWindowFailed(deps.knex, w, deps.runId, why);
    const stop = stopReason(err, state.previousWasOutage);
    state.previousWasOutage = err instanceof MluviiApiError && err.outage !== undefined;
    if (stop) {
      state.credentialsRefused = isCredentialsRefused(err);
      state.stopped = `stopped: ${stop}, so the ${windowsLeft} remaining window(s) were not attempted; the next run resumes at the failed window`;
      failures.push(state.stopped);
      deps.logger.error({ window: describeWindow(w), remaining: windowsLeft }, state.stopped);
    }
  }
}

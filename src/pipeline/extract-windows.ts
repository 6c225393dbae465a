import type { Knex } from 'knex';
import { MluviiApiError } from '../mluvii/client.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { Logger } from '../log.js';
import type { CampaignModes } from './campaign-modes.js';
import { markWindowFailed, uncoveredParts } from './checkpoints.js';
import { createProgress, type Progress } from './progress.js';
import type { RunCounts } from './runs.js';
import { loadWindow } from './window-job.js';
import { describeWindow, type TimeWindow } from './windows.js';

export interface ExtractWindowsDeps {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModes;
  runId: number;
  counts: RunCounts;
  logger: Logger;
  batchSize: number;
  label: string;
}

const reason = (err: unknown): string =>
  err instanceof MluviiApiError
    ? `${err.message} (endpoint ${err.endpoint}, status ${err.status ?? 'none'}, ${err.attempts} attempts)`
    : err instanceof Error
      ? err.message
      : String(err);

/**
 * Loads windows one after another. Unless `force`, only the parts of a window that no done window
 * covers yet are extracted (each part is then a window of its own), so a range is never extracted
 * twice whichever command loaded it; a fully covered window is skipped. A window that fails is
 * recorded with its reason and the others still run. Returns the failures.
 */
export async function extractWindows(deps: ExtractWindowsDeps, windows: TimeWindow[], force: boolean): Promise<string[]> {
  const failures: string[] = [];
  const progress = createProgress({ totalWindows: windows.length, logger: deps.logger, label: deps.label });
  try {
    let stopped = false;
    for (const planned of windows) {
      const parts = force ? [planned] : await uncoveredParts(deps.knex, planned);
      if (parts.length === 0) {
        deps.counts.windowsSkipped += 1;
        progress.windowFinished();
        continue;
      }
      for (const w of parts) {
        stopped = await extractOne(deps, w, failures, progress);
        if (stopped) break;
      }
      if (stopped) break;
      progress.windowFinished();
    }
  } finally {
    progress.stop();
  }
  return failures;
}

/** One window: loaded, or recorded as failed. Returns true when the remaining windows must not be tried. */
async function extractOne(deps: ExtractWindowsDeps, w: TimeWindow, failures: string[], progress: Progress): Promise<boolean> {
  try {
    const r = await loadWindow({ ...deps, onSessions: (n) => progress.addSessions(n) }, w);
    deps.counts.windowsDone += 1;
    deps.counts.sessionsSeen += r.sessions;
    deps.counts.sessionsChanged += r.sessionsChanged;
    deps.counts.rejects += r.rejects;
    deps.logger.debug({ window: describeWindow(w), ...r }, 'window done');
    return false;
  } catch (err) {
    const why = reason(err);
    deps.counts.windowsFailed += 1;
    failures.push(`window ${describeWindow(w)}: ${why}`);
    deps.logger.error({ window: describeWindow(w), error: why }, 'window failed');
    await markWindowFailed(deps.knex, w, deps.runId, why);
    if (err instanceof MluviiApiError && err.kind === 'auth') {
      failures.push('stopped: the API refused the credentials, so the remaining windows would fail the same way');
      return true;
    }
    return false;
  }
}

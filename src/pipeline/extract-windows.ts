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
 * Loads windows one after another. Windows already done are skipped unless `force`; a window
 * that fails is recorded with its reason and the others still run. Returns the failures.
 */
export async function extractWindows(deps: ExtractWindowsDeps, windows: TimeWindow[], force: boolean): Promise<string[]> {
  const failures: string[] = [];
  const progress = createProgress({ totalWindows: windows.length, logger: deps.logger, label: deps.label });
  const requestsBefore = deps.client.requestCount;
  try {
    for (const w of windows) {
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
      } catch (err) {
        const why = reason(err);
        deps.counts.windowsFailed += 1;
        failures.push(`window ${describeWindow(w)}: ${why}`);
        deps.logger.error({ window: describeWindow(w), error: why }, 'window failed');
        await markWindowFailed(deps.knex, w, deps.runId, why);
        if (err instanceof MluviiApiError && err.kind === 'auth') {
          failures.push('stopped: the API refused the credentials, so the remaining windows would fail the same way');
          break;
        }
      } finally {
        deps.counts.apiRequests = deps.client.requestCount - requestsBefore;
      }
      progress.windowFinished();
    }
  } finally {
    progress.stop();
  }
  return failures;
}

import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { scrubSecrets } from '../log.js';
import { sanitizeText } from '../transform/sanitize-text.js';

export type RunKind = 'run' | 'backfill' | 'reprocess' | 'files';

/** Counters a run accumulates; written to etl.runs when it ends. */
export interface RunCounts {
  windowsDone: number;
  windowsFailed: number;
  windowsSkipped: number;
  sessionsSeen: number;
  sessionsChanged: number;
  rejects: number;
  apiRequests: number;
  /** API answers HTTP 429, and retried attempts. */
  apiRateLimited: number;
  apiRetries: number;
  /** Where operator names came from, e.g. "/Users (12 users)". */
  operatorNames?: string;
  /** MLUVII_RPS=auto: the rate the client settled on; undefined with a fixed rate. */
  settledRps?: number;
}

export const emptyCounts = (): RunCounts => ({
  windowsDone: 0,
  windowsFailed: 0,
  windowsSkipped: 0,
  sessionsSeen: 0,
  sessionsChanged: 0,
  rejects: 0,
  apiRequests: 0,
  apiRateLimited: 0,
  apiRetries: 0,
});

export async function startRun(knex: Knex, kind: RunKind, args: Record<string, unknown>): Promise<number> {
  const [row] = await knex('etl.runs')
    .insert({ kind, args: JSON.stringify(args), host: hostname(), pid: process.pid })
    .returning('run_id');
  return Number(row.run_id);
}

export async function finishRun(knex: Knex, runId: number, status: 'succeeded' | 'failed', counts: RunCounts, error?: string): Promise<void> {
  await knex('etl.runs')
    .where({ run_id: runId })
    .update({
      status,
      finished_at: knex.fn.now(),
      windows_done: counts.windowsDone,
      windows_failed: counts.windowsFailed,
      windows_skipped: counts.windowsSkipped,
      sessions_seen: counts.sessionsSeen,
      sessions_changed: counts.sessionsChanged,
      rejects: counts.rejects,
      api_requests: counts.apiRequests,
      api_rate_limited: counts.apiRateLimited,
      api_retries: counts.apiRetries,
      operator_names: counts.operatorNames ?? null,
      settled_rps: counts.settledRps ?? null,
      error: error === undefined ? null : sanitizeText(scrubSecrets(error)),
    });
}

/**
 * Adds a committed window to its run's row, in the window's own transaction: a run killed later
 * still shows the windows it had committed (its other counters are written when it ends).
 */
export async function countCommittedWindow(trx: Knex.Transaction, runId: number, w: { sessions: number; sessionsChanged: number; rejects: number }): Promise<void> {
  await trx.raw(
    `UPDATE etl.runs SET windows_done = windows_done + 1, sessions_seen = sessions_seen + ?, sessions_changed = sessions_changed + ?, rejects = rejects + ?
      WHERE run_id = ?`,
    [w.sessions, w.sessionsChanged, w.rejects, runId],
  );
}

/**
 * A run whose process died (SIGKILL, power cut) stays 'running' forever; once we hold the writer
 * lock nobody else can be running, so those rows are closed as failed.
 */
export async function closeAbandonedRuns(knex: Knex): Promise<RunKind[]> {
  const rows = await knex('etl.runs')
    .where({ status: 'running' })
    .update({ status: 'failed', finished_at: knex.fn.now(), error: 'the process ended without finishing (killed or crashed)' })
    .returning('kind');
  return rows.map((r: { kind: RunKind }) => r.kind);
}

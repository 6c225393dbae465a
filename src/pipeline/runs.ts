import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { scrubSecrets } from '../log.js';
import { sanitizeText } from '../transform/sanitize-text.js';

export type RunKind = 'run' | 'backfill' | 'reprocess';

/** Counters a run accumulates; written to etl.runs when it ends. */
export interface RunCounts {
  windowsDone: number;
  windowsFailed: number;
  windowsSkipped: number;
  sessionsSeen: number;
  sessionsChanged: number;
  rejects: number;
  apiRequests: number;
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
      settled_rps: counts.settledRps ?? null,
      error: error === undefined ? null : sanitizeText(scrubSecrets(error)),
    });
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

import type { Knex } from 'knex';
import { hostname } from 'node:os';
import { scrubSecrets } from '../log.js';
import { sanitizeText } from '../transform/sanitize-text.js';

/**
 * etl.runs: one row per writing command (run, backfill, reprocess, files, checkpoints, privacy, forget), with its
 * counters and error. Rows are the connection's tenant's (etl.tenant()): run_id numbers every
 * tenant's runs together, everything else is read per tenant.
 */

/** Only the connection's tenant's runs. */
const OURS = 'tenant = etl.tenant()';

export type RunKind = 'run' | 'backfill' | 'reprocess' | 'files' | 'checkpoints' | 'privacy' | 'forget';

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

export async function finishRun(knex: Knex, runId: number, status: 'succeeded' | 'failed' | 'skipped', counts: RunCounts, error?: string): Promise<void> {
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
 * lock no other writer can be running, so those rows are closed as failed. `kinds`: only rows of
 * these kinds (a `files` pass runs beside the writers, under a lock of its own: load/files-pass.ts).
 */
export async function closeAbandonedRuns(knex: Knex, kinds?: RunKind[]): Promise<RunKind[]> {
  if (kinds?.length === 0) return [];
  const rows = await knex('etl.runs')
    .whereRaw(OURS)
    .where({ status: 'running' })
    .modify((q) => {
      if (kinds) q.whereIn('kind', kinds);
    })
    .update({ status: 'failed', finished_at: knex.fn.now(), error: 'the process ended without finishing (killed or crashed)' })
    .returning('kind');
  return rows.map((r: { kind: RunKind }) => r.kind);
}

/** A row of etl.runs as `status` reads it: its counters, and what the run was and how it ended. */
export interface RunRecord extends Omit<RunCounts, 'operatorNames' | 'settledRps'> {
  runId: number;
  kind: RunKind;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt: Date;
  finishedAt: Date | null;
  operatorNames: string | null;
  error: string | null;
}

function runRecord(r: Record<string, any>): RunRecord {
  return {
    runId: Number(r.run_id),
    kind: r.kind,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at ?? null,
    windowsDone: r.windows_done,
    windowsFailed: r.windows_failed,
    windowsSkipped: r.windows_skipped,
    sessionsSeen: r.sessions_seen,
    sessionsChanged: r.sessions_changed,
    rejects: r.rejects,
    apiRequests: r.api_requests,
    apiRateLimited: r.api_rate_limited ?? 0,
    apiRetries: r.api_retries ?? 0,
    operatorNames: r.operator_names ?? null,
    error: r.error,
  };
}

/** The latest runs, newest first. */
export async function recentRuns(db: Knex | Knex.Transaction, limit: number): Promise<RunRecord[]> {
  return (await db.raw(`SELECT * FROM etl.runs WHERE ${OURS} ORDER BY run_id DESC LIMIT ?`, [limit])).rows.map(runRecord);
}

/** The latest run of one kind. */
export async function lastRunOf(db: Knex | Knex.Transaction, kind: RunKind): Promise<RunRecord | undefined> {
  const row = (await db.raw(`SELECT * FROM etl.runs WHERE ${OURS} AND kind = ? ORDER BY run_id DESC LIMIT 1`, [kind])).rows[0];
  return row ? runRecord(row) : undefined;
}

/** Whether etl.runs has this column yet: `status` reads warehouses that a newer version has not migrated. */
async function runsHaveColumn(db: Knex | Knex.Transaction, column: string): Promise<boolean> {
  const r = await db.raw(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'etl' AND table_name = 'runs' AND column_name = ?`, [column]);
  return r.rows.length > 0;
}

/** When a run or backfill last succeeded (what `status --check` pages on). */
export async function lastSuccessfulLoad(db: Knex | Knex.Transaction): Promise<Date | null> {
  return (await db.raw(`SELECT max(finished_at) AS at FROM etl.runs WHERE ${OURS} AND status = 'succeeded' AND kind IN ('run', 'backfill')`)).rows[0].at as Date | null;
}

/**
 * Where the latest run that recorded it took operator names from; undefined when none did, or
 * the warehouse is not migrated that far yet (`status` is read-only and never migrates).
 */
export async function lastOperatorNamesSource(db: Knex | Knex.Transaction): Promise<{ runId: number; source: string } | undefined> {
  if (!(await runsHaveColumn(db, 'operator_names'))) return undefined;
  const row = (await db.raw(`SELECT run_id, operator_names FROM etl.runs WHERE ${OURS} AND operator_names IS NOT NULL ORDER BY run_id DESC LIMIT 1`)).rows[0];
  return row ? { runId: Number(row.run_id), source: row.operator_names as string } : undefined;
}

/** The request rate a run settled on with MLUVII_RPS=auto (etl.runs.settled_rps). */
export interface SettledRate {
  runId: number;
  kind: string;
  rps: number;
  finishedAt: Date | null;
}

/**
 * The latest run that found a rate by itself (MLUVII_RPS=auto); undefined when none did, or when
 * the warehouse is not migrated that far yet (`status` is read-only and never migrates).
 */
export async function latestSettledRate(db: Knex | Knex.Transaction): Promise<SettledRate | undefined> {
  if (!(await runsHaveColumn(db, 'settled_rps'))) return undefined;
  const r = await db.raw(
    `SELECT run_id, kind, settled_rps, finished_at FROM etl.runs WHERE ${OURS} AND settled_rps IS NOT NULL ORDER BY run_id DESC LIMIT 1`,
  );
  const row = r.rows[0] as { run_id: string | number; kind: string; settled_rps: string; finished_at: Date | null } | undefined;
  return row && { runId: Number(row.run_id), kind: row.kind, rps: Number(row.settled_rps), finishedAt: row.finished_at };
}

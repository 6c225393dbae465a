import type { Knex } from 'knex';
import { scrubSecrets } from '../log.js';
import { sanitizeText } from '../transform/sanitize-text.js';
import { isCovered, subtractRanges, type TimeWindow } from '../util/time-range.js';
import { countCommittedWindow } from './etl-runs.js';

/**
 * etl.windows: which ranges of sessions.created are loaded ("done", written in the same
 * transaction as their data) or failed (with the reason), and the rule of where `run` continues.
 * Every tenant has its own windows: each query reads and writes the connection's (etl.tenant()).
 */

/** The window's "done" mark; written in the same transaction as its data. */
export async function markWindowDone(
  trx: Knex.Transaction,
  w: TimeWindow,
  runId: number,
  counts: { sessions: number; sessionsChanged: number; rejects: number },
): Promise<void> {
  await trx.raw(
    `INSERT INTO etl.windows (window_start, window_end, status, sessions, sessions_changed, rejects, run_id, error, finished_at)
     VALUES (?, ?, 'done', ?, ?, ?, ?, NULL, now())
     ON CONFLICT (tenant, window_start, window_end) DO UPDATE
        SET status = 'done', sessions = EXCLUDED.sessions, sessions_changed = EXCLUDED.sessions_changed,
            rejects = EXCLUDED.rejects, run_id = EXCLUDED.run_id, error = NULL, finished_at = now(),
            attempts = etl.windows.attempts + 1`,
    [w.from.toISOString(), w.to.toISOString(), counts.sessions, counts.sessionsChanged, counts.rejects, runId],
  );
  await countCommittedWindow(trx, runId, counts);
  // A failed window that done windows now cover together (cut differently: another ETL_WINDOW,
  // a run's partial day, a backfill's whole day) is loaded: it must no longer send `run` back.
  const failed = (
    await trx.raw(`SELECT window_start, window_end FROM etl.windows WHERE tenant = etl.tenant() AND status = 'failed' AND window_start < ? AND window_end > ?`, [
      w.to.toISOString(),
      w.from.toISOString(),
    ])
  ).rows as Array<{ window_start: Date; window_end: Date }>;
  for (const f of failed) {
    const range = { from: f.window_start, to: f.window_end };
    if (isCovered(range, await doneRangesOverlapping(trx, range))) {
      await trx.raw(`DELETE FROM etl.windows WHERE tenant = etl.tenant() AND status = 'failed' AND window_start = ? AND window_end = ?`, [
        f.window_start.toISOString(),
        f.window_end.toISOString(),
      ]);
    }
  }
}

/** Done windows that overlap `range`, whichever command loaded them. */
export async function doneRangesOverlapping(knex: Knex, range: TimeWindow): Promise<TimeWindow[]> {
  const r = await knex.raw(`SELECT window_start, window_end FROM etl.windows WHERE tenant = etl.tenant() AND status = 'done' AND window_start < ? AND window_end > ? ORDER BY window_start`, [
    range.to.toISOString(), range.from.toISOString(),
  ]);
  return (r.rows as Array<{ window_start: Date; window_end: Date }>).map((x) => ({ from: x.window_start, to: x.window_end }));
}

/** The parts of `w` no done window covers yet: only these are extracted (empty = skip the window). */
export async function uncoveredParts(knex: Knex, w: TimeWindow): Promise<TimeWindow[]> {
  return subtractRanges(w, await doneRangesOverlapping(knex, w));
}

/**
 * The done mark of exactly `w`, when run `runId` wrote it: a window job retried after its first
 * attempt committed (the worker died before pg-boss heard of it) reports what that attempt loaded.
 */
export async function doneMarkOfRun(db: Knex | Knex.Transaction, w: TimeWindow, runId: number): Promise<{ sessions: number; sessionsChanged: number; rejects: number } | undefined> {
  const r = await db.raw(`SELECT sessions, sessions_changed, rejects FROM etl.windows WHERE tenant = etl.tenant() AND status = 'done' AND window_start = ? AND window_end = ? AND run_id = ?`, [
    w.from.toISOString(), w.to.toISOString(), runId,
  ]);
  const row = r.rows[0] as { sessions: number; sessions_changed: number; rejects: number } | undefined;
  return row && { sessions: Number(row.sessions), sessionsChanged: Number(row.sessions_changed), rejects: Number(row.rejects) };
}

export async function markWindowFailed(knex: Knex, w: TimeWindow, runId: number, reason: string): Promise<void> {
  // Stored for people to read: never a secret, never a character Postgres refuses.
  const error = sanitizeText(scrubSecrets(reason));
  await knex.raw(
    `INSERT INTO etl.windows (window_start, window_end, status, run_id, error, finished_at)
     VALUES (?, ?, 'failed', ?, ?, now())
     ON CONFLICT (tenant, window_start, window_end) DO UPDATE
        SET status = 'failed', run_id = EXCLUDED.run_id, error = EXCLUDED.error, finished_at = now(),
            attempts = etl.windows.attempts + 1
      WHERE etl.windows.status <> 'done'`,
    [w.from.toISOString(), w.to.toISOString(), runId, error],
  );
}

/** Where `run` continues, and whether that is a failed window (see resumePoint). */
export interface ResumePoint {
  at: Date;
  atFailedWindow: boolean;
}

/**
 * Where `run` continues: the end of the latest done window, or the start of the earliest window
 * that failed, whichever is earlier (so a failed night is retried by the next one; the done
 * windows in between are skipped). undefined when nothing was loaded or failed yet.
 */
export async function resumePoint(db: Knex | Knex.Transaction): Promise<ResumePoint | undefined> {
  const r = await db.raw(`SELECT resume, EXISTS (SELECT 1 FROM etl.windows WHERE tenant = etl.tenant() AND status = 'failed' AND window_start = resume) AS at_failed
                            FROM (SELECT least(max(window_end) FILTER (WHERE status = 'done'), min(window_start) FILTER (WHERE status = 'failed')) AS resume
                                    FROM etl.windows WHERE tenant = etl.tenant()) w`);
  const row = r.rows[0] as { resume: Date | null; at_failed: boolean } | undefined;
  return row?.resume ? { at: row.resume, atFailedWindow: row.at_failed } : undefined;
}

/** Every done window, in order (status merges them into covered ranges and gaps). */
export async function doneWindows(db: Knex | Knex.Transaction): Promise<TimeWindow[]> {
  const r = await db.raw(`SELECT window_start, window_end FROM etl.windows WHERE tenant = etl.tenant() AND status = 'done' ORDER BY window_start`);
  return (r.rows as Array<{ window_start: Date; window_end: Date }>).map((w) => ({ from: w.window_start, to: w.window_end }));
}

export interface FailedWindow extends TimeWindow {
  attempts: number;
  runId: number | null;
  failedAt: Date;
  error: string | null;
}

/** Windows whose last attempt failed, in order, with the reason. */
export async function failedWindows(db: Knex | Knex.Transaction): Promise<FailedWindow[]> {
  const r = await db.raw(`SELECT window_start, window_end, attempts, run_id, finished_at, error FROM etl.windows WHERE tenant = etl.tenant() AND status = 'failed' ORDER BY window_start`);
  return (r.rows as Array<{ window_start: Date; window_end: Date; attempts: number; run_id: string | number | null; finished_at: Date; error: string | null }>).map((w) => ({
    from: w.window_start,
    to: w.window_end,
    attempts: w.attempts,
    runId: w.run_id === null ? null : Number(w.run_id),
    failedAt: w.finished_at,
    error: w.error,
  }));
}

/** A done window marked before its own end had passed: sessions created after the mark were never listed. */
export interface PrematureWindow extends TimeWindow {
  markedAt: Date;
  runId: number | null;
}

/**
 * Done windows whose mark is older than their end (an older version let a backfill into the
 * future mark them): `run` continues after them, so what was created after the mark is missing.
 */
export async function prematureDoneWindows(db: Knex | Knex.Transaction): Promise<PrematureWindow[]> {
  const r = await db.raw(`SELECT window_start, window_end, finished_at, run_id FROM etl.windows WHERE tenant = etl.tenant() AND status = 'done' AND window_end > finished_at ORDER BY window_start`);
  return (r.rows as Array<{ window_start: Date; window_end: Date; finished_at: Date; run_id: string | number | null }>).map((w) => ({
    from: w.window_start,
    to: w.window_end,
    markedAt: w.finished_at,
    runId: w.run_id === null ? null : Number(w.run_id),
  }));
}

/**
 * Removes the done and failed marks of `range` and nothing else: a mark that reaches outside the
 * range keeps its outside parts (as marks of their own, with no session counts: those counted the
 * whole window). The loaded rows stay; the range becomes a gap that `backfill` (or `run`, when it
 * is the end) loads again. Returns how many marks were removed or cut.
 */
export async function clearWindowMarks(trx: Knex.Transaction, range: TimeWindow): Promise<{ done: number; failed: number }> {
  const removed = (
    await trx.raw(`DELETE FROM etl.windows WHERE tenant = etl.tenant() AND window_start < ? AND window_end > ? RETURNING window_start, window_end, status, run_id, attempts, error, finished_at`, [
      range.to.toISOString(),
      range.from.toISOString(),
    ])
  ).rows as Array<{ window_start: Date; window_end: Date; status: 'done' | 'failed'; run_id: string | null; attempts: number; error: string | null; finished_at: Date }>;
  for (const w of removed) {
    for (const part of subtractRanges({ from: w.window_start, to: w.window_end }, [range])) {
      await trx.raw(
        `INSERT INTO etl.windows (window_start, window_end, status, sessions, sessions_changed, rejects, run_id, attempts, error, finished_at) VALUES (?, ?, ?, 0, 0, 0, ?, ?, ?, ?)`,
        [part.from.toISOString(), part.to.toISOString(), w.status, w.run_id, w.attempts, w.error, w.finished_at.toISOString()],
      );
    }
  }
  return { done: removed.filter((w) => w.status === 'done').length, failed: removed.filter((w) => w.status === 'failed').length };
}

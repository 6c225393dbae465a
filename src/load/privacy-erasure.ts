/**
 * The SQL of erasing personal data (docs/privacy.md): the sticky mark on raw.sessions, the file
 * rows of erased sessions, the rejects that quote them, the copies still to be removed from disk,
 * and etl.erasures. The payloads themselves are rewritten by the ordinary load
 * (pipeline/transform-and-load.ts), so raw and core stay one.
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Why personal data was removed: mluvii anonymized the session, RAW_RETENTION, or a request (`forget`). */
export type ErasureReason = 'anonymized' | 'retention' | 'request';
export const ERASURE_REASONS: readonly ErasureReason[] = ['anonymized', 'retention', 'request'];

/** Of these sessions, those whose personal data was removed already (for `why`, or for any reason): their later loads are stored without it. */
export async function sessionsWithoutPersonalData(db: Db, ids: number[], why?: ErasureReason): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const r = await db.raw(
    `SELECT session_id FROM raw.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) AND personal_data_removed_at IS NOT NULL AND (?::text IS NULL OR personal_data_removed_why = ?)`,
    [ids, why ?? null, why ?? null],
  );
  return new Set((r.rows as Array<{ session_id: string | number }>).map((x) => Number(x.session_id)));
}

/** Marks the stored payloads of these sessions as without personal data (the first reason and time are kept). */
export async function markPersonalDataRemoved(trx: Knex.Transaction, ids: number[], why: ErasureReason): Promise<void> {
  if (ids.length === 0) return;
  await trx.raw(
    `UPDATE raw.sessions SET personal_data_removed_at = coalesce(personal_data_removed_at, now()),
            personal_data_removed_why = CASE WHEN personal_data_removed_at IS NULL OR ? = 'anonymized' THEN ? ELSE personal_data_removed_why END
      WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[])`,
    [why, why, ids],
  );
}

/** A row of core.file_downloads whose copy an erasure still has to remove from disk. */
const PENDING_REMOVAL = `d.state = 'deleted' AND d.stored_path IS NOT NULL AND d.reason IN ('anonymized', 'retention', 'request')`;

/**
 * The files of erased sessions will never be downloaded (state `deleted`, reason `why`), and a
 * stored copy is to be removed from disk: its row keeps stored_path until the copy is gone
 * (copyRemoved), so an erasure killed after its commit still finds what it has to delete.
 * Returns how many files the sessions have.
 */
export async function eraseSessionFiles(trx: Knex.Transaction, ids: number[], why: ErasureReason): Promise<number> {
  if (ids.length === 0) return 0;
  const updated = await trx.raw(
    `UPDATE core.file_downloads d SET state = 'deleted', reason = ?, deleted_at = coalesce(d.deleted_at, now()), sha256 = NULL,
            stored_path = CASE WHEN d.state = 'stored' OR (${PENDING_REMOVAL}) THEN d.stored_path END,
            files_dir = CASE WHEN d.state = 'stored' OR (${PENDING_REMOVAL}) THEN d.files_dir END, updated_at = now()
      WHERE d.tenant = etl.tenant() AND d.session_id = ANY(?::bigint[])`,
    [why, ids],
  );
  const inserted = await trx.raw(
    `INSERT INTO core.file_downloads (session_id, file_key, state, reason, deleted_at, attempts)
     SELECT f.session_id, f.file_key, 'deleted', ?, now(), 0 FROM core.session_files f
      WHERE f.tenant = etl.tenant() AND f.session_id = ANY(?::bigint[])
     ON CONFLICT (tenant, session_id, file_key) DO NOTHING`,
    [why, ids],
  );
  return (updated.rowCount ?? 0) + (inserted.rowCount ?? 0);
}

/**
 * RAW_RETENTION keeps the copies FILES_RETENTION governs (renamed: storedCopiesOf), but no path of
 * a copy that is gone (it holds the made-safe file name), nor why a download failed (it may quote
 * the address).
 */
export async function forgetGonePaths(trx: Knex.Transaction, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.raw(
    `UPDATE core.file_downloads d SET stored_path = NULL, files_dir = NULL, sha256 = NULL,
            reason = CASE WHEN d.state = 'deleted' THEN d.reason END, updated_at = now()
      WHERE d.tenant = etl.tenant() AND d.session_id = ANY(?::bigint[]) AND d.state <> 'stored' AND NOT (${PENDING_REMOVAL})
        AND (d.stored_path IS NOT NULL OR (d.reason IS NOT NULL AND d.state <> 'deleted'))`,
    [ids],
  );
}

/** A reject keeps its reason and ids, not the text of the payload: of these sessions, now. Returns how many. */
export async function trimRejectsOfSessions(trx: Knex.Transaction, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await trx.raw(`UPDATE etl.rejects SET raw_text = '' WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) AND raw_text <> ''`, [ids]);
  return r.rowCount ?? 0;
}

/** A copy an erasure still has to remove from disk. */
export interface PendingRemoval {
  session_id: number;
  file_key: string;
  stored_path: string;
  files_dir: string | null;
}

/** Copies of erased sessions still on disk (an erasure removes them right after its commit; a killed one left some). */
export async function pendingRemovals(db: Db, limit: number): Promise<PendingRemoval[]> {
  const r = await db.raw(`SELECT d.session_id, d.file_key, d.stored_path, d.files_dir FROM core.file_downloads d WHERE d.tenant = etl.tenant() AND ${PENDING_REMOVAL} ORDER BY d.session_id, d.file_key LIMIT ?`, [limit]);
  return (r.rows as PendingRemoval[]).map((x) => ({ ...x, session_id: Number(x.session_id) }));
}

/** The copy is gone from disk: its row forgets where it was. */
export async function copyRemoved(db: Db, sessionId: number, fileKey: string): Promise<void> {
  await db.raw(`UPDATE core.file_downloads d SET stored_path = NULL, files_dir = NULL, updated_at = now() WHERE d.tenant = etl.tenant() AND d.session_id = ? AND d.file_key = ? AND ${PENDING_REMOVAL}`, [sessionId, fileKey]);
}

/** What one committed batch of an erasure did. */
export interface ErasureCounts {
  sessions: number;
  files: number;
  rejects: number;
  operators?: number;
}

/** Opens a row of etl.erasures; `what` says what was asked (sessions, guest, operator, rejects), never which. */
export async function startErasure(db: Db, why: ErasureReason, what: string, runId: number | null): Promise<number> {
  const r = await db.raw(`INSERT INTO etl.erasures (why, what, run_id) VALUES (?, ?, ?) RETURNING erasure_id`, [why, what, runId]);
  return Number(r.rows[0].erasure_id);
}

/** Adds a committed batch to its erasure, in the batch's transaction. */
export async function countErased(trx: Knex.Transaction, erasureId: number, c: ErasureCounts): Promise<void> {
  await trx.raw(
    `UPDATE etl.erasures SET sessions = sessions + ?, files = files + ?, rejects = rejects + ?, operators = operators + ? WHERE tenant = etl.tenant() AND erasure_id = ?`,
    [c.sessions, c.files, c.rejects, c.operators ?? 0, erasureId],
  );
}

export async function finishErasure(db: Db, erasureId: number, status: 'done' | 'failed'): Promise<void> {
  await db.raw(`UPDATE etl.erasures SET status = ?, finished_at = now() WHERE tenant = etl.tenant() AND erasure_id = ?`, [status, erasureId]);
}

/** Erasures whose process died (the writer lock is ours now, so none is running): failed; a rerun finishes their work. */
export async function closeAbandonedErasures(db: Db): Promise<number> {
  const r = await db.raw(`UPDATE etl.erasures SET status = 'failed', finished_at = now() WHERE tenant = etl.tenant() AND status = 'running'`);
  return r.rowCount ?? 0;
}

/** A stored session as an erasure rewrites it: created_at as Postgres prints it (a JS Date would drop its microseconds). */
export interface StoredForErasure {
  session_id: number;
  created_key: string;
  /** The same instant as a Date (its hour lock, load/session-hour-locks.ts). */
  created_at: Date;
  payload: unknown;
  routing_history: unknown;
  completion_given_up_at: Date | null;
  text_sanitized: boolean;
}

export async function storedForErasure(db: Db, ids: number[]): Promise<StoredForErasure[]> {
  if (ids.length === 0) return [];
  const r = await db.raw(
    `SELECT session_id, created_at::text AS created_key, created_at, payload, routing_history, completion_given_up_at, text_sanitized
       FROM raw.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) ORDER BY session_id`,
    [ids],
  );
  return (r.rows as StoredForErasure[]).map((x) => ({ ...x, session_id: Number(x.session_id) }));
}

/** A stored copy of one of these sessions (RAW_RETENTION renames it to a path without the file name). */
export interface StoredCopyOf {
  session_id: number;
  file_key: string;
  stored_path: string;
  size_bytes: number;
  files_dir: string | null;
}

export async function storedCopiesOf(db: Db, ids: number[]): Promise<StoredCopyOf[]> {
  if (ids.length === 0) return [];
  const r = await db.raw(
    `SELECT session_id, file_key, stored_path, size_bytes, files_dir FROM core.file_downloads WHERE tenant = etl.tenant() AND state = 'stored' AND session_id = ANY(?::bigint[]) ORDER BY session_id, file_key`,
    [ids],
  );
  return (r.rows as StoredCopyOf[]).map((x) => ({ ...x, session_id: Number(x.session_id), size_bytes: Number(x.size_bytes) }));
}

/** The copy now lives at `storedPath`. */
export async function renameStoredCopy(trx: Knex.Transaction, sessionId: number, fileKey: string, storedPath: string): Promise<void> {
  await trx.raw(`UPDATE core.file_downloads SET stored_path = ?, updated_at = now() WHERE tenant = etl.tenant() AND session_id = ? AND file_key = ? AND state = 'stored'`, [storedPath, sessionId, fileKey]);
}

/**
 * The SQL of recordings and shared files: which files a download pass still has to fetch, what it
 * did with each (core.file_downloads), retention, and the counts `status` shows. The metadata rows
 * (core.session_files) are written with the session's other facts (session-facts.ts). Every query
 * is about the connection's tenant (etl.tenant()): two tenants may have the same session ids.
 */
import type { Knex } from 'knex';

/** A file the downloader looks at (its metadata and what was done with it so far). */
export interface PendingFile {
  session_id: number;
  file_key: string;
  kind: 'recording' | 'file';
  name: string | null;
  created_at: Date;
  /** created_at as Postgres prints it (microseconds kept): the keyset of the paging. */
  created_key: string;
  source_state: 'available' | 'processing';
  download_state: 'failed' | 'too_large' | null;
}

export interface FileSelection {
  /** Sessions created in [from, to); either may be left open. */
  from?: Date;
  to?: Date;
  /** Also files whose download failed before, and those too large for an older, lower MLUVII_MAX_FILE_BYTES. */
  retryFailed?: boolean;
  /** Files of sessions created before this are not fetched (FILES_RETENTION would delete them at once). */
  notBefore?: Date;
  /** MLUVII_MAX_FILE_BYTES now: a `too_large` file is retried only when it would fit. */
  maxBytes?: number;
}

/**
 * The download states of core.file_downloads. `unavailable` (never downloadable as mluvii gives
 * it) and `too_large` are states of their own so that they are neither retried every night nor
 * counted as failures.
 */
export type DownloadState = 'stored' | 'failed' | 'gone' | 'deleted' | 'unavailable' | 'too_large';

/** Not stored yet (or retried), and not of a session whose personal data was removed (docs/privacy.md): that one's files are never fetched. */
const STILL_TO_FETCH = `f.source_state IN ('available', 'processing')
        AND (d.state IS NULL OR (?::boolean AND (d.state = 'failed' OR (d.state = 'too_large' AND coalesce(d.size_bytes, 0) <= ?::bigint))))
        AND NOT EXISTS (SELECT 1 FROM raw.sessions pr WHERE pr.tenant = f.tenant AND pr.session_id = f.session_id AND pr.personal_data_removed_at IS NOT NULL)`;

function lowerBound(sel: FileSelection): Date | undefined {
  return [sel.from, sel.notBefore].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
}

/**
 * Files still to be fetched, oldest session first, `limit` at a time after `after` (keyset paging:
 * a file that stays pending, e.g. still processing, is not seen twice in one pass).
 */
export async function pendingFiles(
  knex: Knex,
  sel: FileSelection,
  limit: number,
  after?: { created_key: string; session_id: number; file_key: string },
): Promise<PendingFile[]> {
  const lower = lowerBound(sel);
  const { rows } = await knex.raw(
    `SELECT f.session_id, f.file_key, f.kind, f.name, s.created_at, s.created_at::text AS created_key, f.source_state, d.state AS download_state
       FROM core.session_files f
       JOIN core.sessions s USING (tenant, session_id)
       LEFT JOIN core.file_downloads d USING (tenant, session_id, file_key)
      WHERE f.tenant = etl.tenant() AND ${STILL_TO_FETCH}
        AND (?::timestamptz IS NULL OR s.created_at >= ?::timestamptz)
        AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)
        AND (?::timestamptz IS NULL OR (s.created_at, f.session_id, f.file_key) > (?::timestamptz, ?::bigint, ?::text))
      ORDER BY s.created_at, f.session_id, f.file_key
      LIMIT ?`,
    [
      Boolean(sel.retryFailed), sel.maxBytes ?? Number.MAX_SAFE_INTEGER,
      lower ?? null, lower ?? null,
      sel.to ?? null, sel.to ?? null,
      after?.created_key ?? null, after?.created_key ?? null, after?.session_id ?? null, after?.file_key ?? null,
      limit,
    ],
  );
  return (rows as PendingFile[]).map((r) => ({ ...r, session_id: Number(r.session_id) }));
}

/** How many files a pass over `sel` has to fetch (its progress total). */
export async function countPendingFiles(knex: Knex, sel: FileSelection): Promise<number> {
  const lower = lowerBound(sel);
  const { rows } = await knex.raw(
    `SELECT count(*)::bigint AS n FROM core.session_files f JOIN core.sessions s USING (tenant, session_id) LEFT JOIN core.file_downloads d USING (tenant, session_id, file_key)
      WHERE f.tenant = etl.tenant() AND ${STILL_TO_FETCH}
        AND (?::timestamptz IS NULL OR s.created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)`,
    [Boolean(sel.retryFailed), sel.maxBytes ?? Number.MAX_SAFE_INTEGER, lower ?? null, lower ?? null, sel.to ?? null, sel.to ?? null],
  );
  return Number(rows[0].n);
}

/** Of `fileKeys` of a session, those still to be fetched now (another pass may have stored them meanwhile). */
export async function stillPending(knex: Knex, sessionId: number, fileKeys: string[], sel: FileSelection): Promise<Set<string>> {
  const { rows } = await knex.raw(
    `SELECT f.file_key FROM core.session_files f LEFT JOIN core.file_downloads d USING (tenant, session_id, file_key)
      WHERE f.tenant = etl.tenant() AND f.session_id = ? AND f.file_key = ANY(?::text[]) AND ${STILL_TO_FETCH}`,
    [sessionId, fileKeys, Boolean(sel.retryFailed), sel.maxBytes ?? Number.MAX_SAFE_INTEGER],
  );
  return new Set((rows as Array<{ file_key: string }>).map((r) => r.file_key));
}

/** The stored payloads of some sessions (the download addresses are read from them). */
export async function storedPayloads(knex: Knex, sessionIds: number[]): Promise<Map<number, { payload: unknown; routingHistory: unknown }>> {
  const out = new Map<number, { payload: unknown; routingHistory: unknown }>();
  if (sessionIds.length === 0) return out;
  const { rows } = await knex.raw(`SELECT session_id, payload, routing_history FROM raw.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[])`, [sessionIds]);
  for (const r of rows as Array<{ session_id: string | number; payload: unknown; routing_history: unknown }>) {
    out.set(Number(r.session_id), { payload: r.payload, routingHistory: r.routing_history });
  }
  return out;
}

export type DownloadRecord =
  /** `filesDir`: the folder (MLUVII_FILES_DIR, its real path) the copy lives under. */
  | { state: 'stored'; sizeBytes: number; sha256: string; storedPath: string; filesDir: string }
  /** `sizeBytes`: the size announced, or reached when the download was stopped. */
  | { state: 'too_large'; reason: string; sizeBytes: number }
  | { state: 'failed' | 'gone' | 'unavailable'; reason: string };

/** Records what a download pass did with one file. */
export async function recordDownload(knex: Knex, sessionId: number, fileKey: string, rec: DownloadRecord): Promise<void> {
  const stored = rec.state === 'stored';
  await knex.raw(
    `INSERT INTO core.file_downloads AS d (session_id, file_key, state, size_bytes, sha256, stored_path, files_dir, downloaded_at, reason, attempts)
     VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN now() END, ?, 1)
     ON CONFLICT (tenant, session_id, file_key) DO UPDATE SET
       state = EXCLUDED.state, size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, stored_path = EXCLUDED.stored_path,
       files_dir = EXCLUDED.files_dir, downloaded_at = EXCLUDED.downloaded_at, deleted_at = NULL, reason = EXCLUDED.reason,
       attempts = d.attempts + 1, updated_at = now()`,
    [
      sessionId, fileKey, rec.state,
      stored || rec.state === 'too_large' ? rec.sizeBytes : null, stored ? rec.sha256 : null, stored ? rec.storedPath : null, stored ? rec.filesDir : null,
      stored, stored ? null : rec.reason,
    ],
  );
}

export interface StoredCopy {
  session_id: number;
  file_key: string;
  stored_path: string;
  size_bytes: number;
  /** Where the copy lives; NULL for copies stored before this was recorded (the folder of today). */
  files_dir: string | null;
}

const storedCopy = (r: Record<string, unknown>): StoredCopy => ({
  session_id: Number(r.session_id),
  file_key: String(r.file_key),
  stored_path: String(r.stored_path),
  size_bytes: Number(r.size_bytes),
  files_dir: (r.files_dir as string | null) ?? null,
});

/** Stored files of the selected sessions, `limit` at a time (keyset on session_id, file_key). */
export async function storedFiles(
  knex: Knex,
  sel: Pick<FileSelection, 'from' | 'to'>,
  limit: number,
  after?: { session_id: number; file_key: string },
): Promise<StoredCopy[]> {
  const { rows } = await knex.raw(
    `SELECT d.session_id, d.file_key, d.stored_path, d.size_bytes, d.files_dir FROM core.file_downloads d JOIN core.sessions s USING (tenant, session_id)
      WHERE d.tenant = etl.tenant() AND d.state = 'stored'
        AND (?::timestamptz IS NULL OR s.created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)
        AND (?::bigint IS NULL OR (d.session_id, d.file_key) > (?::bigint, ?::text))
      ORDER BY d.session_id, d.file_key LIMIT ?`,
    [sel.from ?? null, sel.from ?? null, sel.to ?? null, sel.to ?? null, after?.session_id ?? null, after?.session_id ?? null, after?.file_key ?? null, limit],
  );
  return (rows as Array<Record<string, unknown>>).map(storedCopy);
}

/**
 * Stored copies whose path a portable file system would refuse (the `recording:12-…` names of
 * older versions, a name ending in a dot), `limit` at a time after `after`.
 */
export async function storedWithOldNames(knex: Knex, limit: number, after?: { session_id: number; file_key: string }): Promise<StoredCopy[]> {
  const { rows } = await knex.raw(
    `SELECT session_id, file_key, stored_path, size_bytes, files_dir FROM core.file_downloads
      WHERE tenant = etl.tenant() AND state = 'stored' AND (stored_path ~ '[:\\\\]' OR stored_path ~ '[. ]$')
        AND (?::bigint IS NULL OR (session_id, file_key) > (?::bigint, ?::text))
      ORDER BY session_id, file_key LIMIT ?`,
    [after?.session_id ?? null, after?.session_id ?? null, after?.file_key ?? null, limit],
  );
  return (rows as Array<Record<string, unknown>>).map(storedCopy);
}

/** A stored copy now lives at `storedPath` under `filesDir` (renamed to a portable name). */
export async function moveStoredPath(knex: Knex, sessionId: number, fileKey: string, storedPath: string, filesDir: string): Promise<void> {
  await knex.raw(`UPDATE core.file_downloads SET stored_path = ?, files_dir = ?, updated_at = now() WHERE tenant = etl.tenant() AND session_id = ? AND file_key = ? AND state = 'stored'`, [
    storedPath, filesDir, sessionId, fileKey,
  ]);
}

/** The folders other than `filesDir` that hold stored copies, with how many each (MLUVII_FILES_DIR changed). */
export async function storedElsewhere(knex: Knex, filesDir: string): Promise<Array<{ filesDir: string; files: number }>> {
  const { rows } = await knex.raw(
    `SELECT files_dir, count(*)::int AS files FROM core.file_downloads WHERE tenant = etl.tenant() AND state = 'stored' AND files_dir IS NOT NULL AND files_dir <> ? GROUP BY 1 ORDER BY 2 DESC`,
    [filesDir],
  );
  return (rows as Array<{ files_dir: string; files: number }>).map((r) => ({ filesDir: r.files_dir, files: r.files }));
}

/** Forgets a stored copy that is no longer on disk as stored: the file is pending again. */
export async function forgetStored(knex: Knex, sessionId: number, fileKey: string): Promise<void> {
  await knex.raw(`DELETE FROM core.file_downloads WHERE tenant = etl.tenant() AND session_id = ? AND file_key = ? AND state = 'stored'`, [sessionId, fileKey]);
}

/** Stored files of sessions created before `before`, for FILES_RETENTION. */
export async function expiredStoredFiles(knex: Knex, before: Date, limit: number): Promise<StoredCopy[]> {
  const { rows } = await knex.raw(
    `SELECT d.session_id, d.file_key, d.stored_path, d.size_bytes, d.files_dir FROM core.file_downloads d JOIN core.sessions s USING (tenant, session_id)
      WHERE d.tenant = etl.tenant() AND d.state = 'stored' AND s.created_at < ? ORDER BY s.created_at LIMIT ?`,
    [before, limit],
  );
  return (rows as Array<Record<string, unknown>>).map(storedCopy);
}

export async function markDeleted(knex: Knex, sessionId: number, fileKey: string): Promise<void> {
  await knex.raw(`UPDATE core.file_downloads SET state = 'deleted', deleted_at = now(), updated_at = now() WHERE tenant = etl.tenant() AND session_id = ? AND file_key = ?`, [
    sessionId,
    fileKey,
  ]);
}

/** The code Postgres gives a statement that waited longer than lock_timeout. */
export const isLockTimeout = (err: unknown): boolean => (err as { code?: unknown })?.code === '55P03';

/**
 * In a download pass's own transaction: never make a writer wait. The transaction gives up
 * (lock_timeout) before Postgres would look for a deadlock (deadlock_timeout), so when its locks
 * and a loading window's cross, it is this one that yields, never the window.
 */
export async function yieldToWriters(trx: Knex.Transaction): Promise<void> {
  await trx.raw(
    `SELECT set_config('lock_timeout', greatest(1, floor(extract(epoch FROM current_setting('deadlock_timeout')::interval) * 500))::int::text, true)`,
  );
}

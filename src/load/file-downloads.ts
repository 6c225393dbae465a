/**
 * The SQL of recordings and shared files: which files a download pass still has to fetch, what it
 * did with each (core.file_downloads), retention, and the counts `status` shows. The metadata rows
 * (core.session_files) are written with the session's other facts (session-facts.ts).
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
  download_state: 'failed' | null;
}

export interface FileSelection {
  /** Sessions created in [from, to); either may be left open. */
  from?: Date;
  to?: Date;
  /** Also files whose download failed before. */
  retryFailed?: boolean;
  /** Files of sessions created before this are not fetched (FILES_RETENTION would delete them at once). */
  notBefore?: Date;
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
  const lower = [sel.from, sel.notBefore].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
  const { rows } = await knex.raw(
    `SELECT f.session_id, f.file_key, f.kind, f.name, s.created_at, s.created_at::text AS created_key, f.source_state, d.state AS download_state
       FROM core.session_files f
       JOIN core.sessions s USING (session_id)
       LEFT JOIN core.file_downloads d USING (session_id, file_key)
      WHERE f.source_state IN ('available', 'processing')
        AND (d.state IS NULL OR (d.state = 'failed' AND ?::boolean))
        AND (?::timestamptz IS NULL OR s.created_at >= ?::timestamptz)
        AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)
        AND (?::timestamptz IS NULL OR (s.created_at, f.session_id, f.file_key) > (?::timestamptz, ?::bigint, ?::text))
      ORDER BY s.created_at, f.session_id, f.file_key
      LIMIT ?`,
    [
      Boolean(sel.retryFailed),
      lower ?? null, lower ?? null,
      sel.to ?? null, sel.to ?? null,
      after?.created_key ?? null, after?.created_key ?? null, after?.session_id ?? null, after?.file_key ?? null,
      limit,
    ],
  );
  return (rows as PendingFile[]).map((r) => ({ ...r, session_id: Number(r.session_id) }));
}

/** The stored payloads of some sessions (the download addresses are read from them). */
export async function storedPayloads(knex: Knex, sessionIds: number[]): Promise<Map<number, { payload: unknown; routingHistory: unknown }>> {
  const out = new Map<number, { payload: unknown; routingHistory: unknown }>();
  if (sessionIds.length === 0) return out;
  const { rows } = await knex.raw(`SELECT session_id, payload, routing_history FROM raw.sessions WHERE session_id = ANY(?::bigint[])`, [sessionIds]);
  for (const r of rows as Array<{ session_id: string | number; payload: unknown; routing_history: unknown }>) {
    out.set(Number(r.session_id), { payload: r.payload, routingHistory: r.routing_history });
  }
  return out;
}

export type DownloadRecord =
  | { state: 'stored'; sizeBytes: number; sha256: string; storedPath: string }
  | { state: 'failed' | 'gone'; reason: string };

/** Records what a download pass did with one file. */
export async function recordDownload(knex: Knex, sessionId: number, fileKey: string, rec: DownloadRecord): Promise<void> {
  const stored = rec.state === 'stored';
  await knex.raw(
    `INSERT INTO core.file_downloads AS d (session_id, file_key, state, size_bytes, sha256, stored_path, downloaded_at, reason, attempts)
     VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? THEN now() END, ?, 1)
     ON CONFLICT (session_id, file_key) DO UPDATE SET
       state = EXCLUDED.state, size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, stored_path = EXCLUDED.stored_path,
       downloaded_at = EXCLUDED.downloaded_at, deleted_at = NULL, reason = EXCLUDED.reason, attempts = d.attempts + 1, updated_at = now()`,
    [
      sessionId, fileKey, rec.state,
      stored ? rec.sizeBytes : null, stored ? rec.sha256 : null, stored ? rec.storedPath : null,
      stored, stored ? null : rec.reason,
    ],
  );
}

/** Stored files of the selected sessions, `limit` at a time (keyset on session_id, file_key). */
export async function storedFiles(
  knex: Knex,
  sel: Pick<FileSelection, 'from' | 'to'>,
  limit: number,
  after?: { session_id: number; file_key: string },
): Promise<Array<{ session_id: number; file_key: string; stored_path: string; size_bytes: number }>> {
  const { rows } = await knex.raw(
    `SELECT d.session_id, d.file_key, d.stored_path, d.size_bytes FROM core.file_downloads d JOIN core.sessions s USING (session_id)
      WHERE d.state = 'stored'
        AND (?::timestamptz IS NULL OR s.created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)
        AND (?::bigint IS NULL OR (d.session_id, d.file_key) > (?::bigint, ?::text))
      ORDER BY d.session_id, d.file_key LIMIT ?`,
    [sel.from ?? null, sel.from ?? null, sel.to ?? null, sel.to ?? null, after?.session_id ?? null, after?.session_id ?? null, after?.file_key ?? null, limit],
  );
  return (rows as Array<{ session_id: string; file_key: string; stored_path: string; size_bytes: string }>).map((r) => ({
    ...r,
    session_id: Number(r.session_id),
    size_bytes: Number(r.size_bytes),
  }));
}

/** Forgets a stored copy that is no longer on disk as stored: the file is pending again. */
export async function forgetStored(knex: Knex, sessionId: number, fileKey: string): Promise<void> {
  await knex.raw(`DELETE FROM core.file_downloads WHERE session_id = ? AND file_key = ? AND state = 'stored'`, [sessionId, fileKey]);
}

/** Stored files of sessions created before `before`, for FILES_RETENTION. */
export async function expiredStoredFiles(knex: Knex, before: Date, limit: number): Promise<Array<{ session_id: number; file_key: string; stored_path: string }>> {
  const { rows } = await knex.raw(
    `SELECT d.session_id, d.file_key, d.stored_path FROM core.file_downloads d JOIN core.sessions s USING (session_id)
      WHERE d.state = 'stored' AND s.created_at < ? ORDER BY s.created_at LIMIT ?`,
    [before, limit],
  );
  return (rows as Array<{ session_id: string; file_key: string; stored_path: string }>).map((r) => ({ ...r, session_id: Number(r.session_id) }));
}

export async function markDeleted(knex: Knex, sessionId: number, fileKey: string): Promise<void> {
  await knex.raw(`UPDATE core.file_downloads SET state = 'deleted', deleted_at = now(), updated_at = now() WHERE session_id = ? AND file_key = ?`, [sessionId, fileKey]);
}

/** Files by the state analysts see in reporting.session_files, and the bytes we hold on disk. */
export interface FileCounts {
  available: number;
  processing: number;
  stored: number;
  failed: number;
  gone: number;
  deleted: number;
  /** available + processing: what later passes will still fetch. */
  pending: number;
  /** Sum of size_bytes of the stored files. */
  bytesOnDisk: number;
}

export async function fileCounts(knex: Knex): Promise<FileCounts> {
  const { rows } = await knex.raw(`SELECT state, count(*)::bigint AS n, coalesce(sum(size_bytes) FILTER (WHERE state = 'stored'), 0)::bigint AS bytes
                                     FROM reporting.session_files GROUP BY state`);
  const counts: FileCounts = { available: 0, processing: 0, stored: 0, failed: 0, gone: 0, deleted: 0, pending: 0, bytesOnDisk: 0 };
  for (const r of rows as Array<{ state: keyof FileCounts; n: string; bytes: string }>) {
    if (r.state in counts) counts[r.state] = Number(r.n);
    counts.bytesOnDisk += Number(r.bytes);
  }
  counts.pending = counts.available + counts.processing;
  return counts;
}

/** The most frequent reasons of failed downloads (for `status`). */
export async function failedFileReasons(knex: Knex, limit = 5): Promise<Array<{ reason: string; files: number }>> {
  const { rows } = await knex.raw(
    `SELECT reason, count(*)::int AS files FROM core.file_downloads WHERE state = 'failed' GROUP BY reason ORDER BY 2 DESC, 1 LIMIT ?`,
    [limit],
  );
  return rows as Array<{ reason: string; files: number }>;
}

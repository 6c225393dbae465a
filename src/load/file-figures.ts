/**
 * Recordings and shared files of the connection's tenant as `status` counts them: by the state analysts see in
 * reporting.session_files, and why those not stored are not. Every count adds up: a file whose
 * state comes from mluvii (FailedToProcess, deleted) has its reason too, and reasons beyond the
 * commonest few are summed in one "other reasons" row.
 */
import type { Knex } from 'knex';

/** Files by the state analysts see in reporting.session_files, and the bytes we hold on disk. */
export interface FileCounts {
  available: number;
  processing: number;
  stored: number;
  failed: number;
  gone: number;
  deleted: number;
  /** Never downloadable as mluvii gives them (another origin without a signature …): not retried. */
  unavailable: number;
  /** Over MLUVII_MAX_FILE_BYTES: not retried until the limit is raised. */
  tooLarge: number;
  /** available + processing: what later passes will still fetch. */
  pending: number;
  /** Sum of size_bytes of the stored files. */
  bytesOnDisk: number;
}

const STATE_FIELD: Record<string, keyof FileCounts> = {
  available: 'available', processing: 'processing', stored: 'stored', failed: 'failed', gone: 'gone', deleted: 'deleted',
  unavailable: 'unavailable', too_large: 'tooLarge',
};

export async function fileCounts(knex: Knex): Promise<FileCounts> {
  const { rows } = await knex.raw(`SELECT state, count(*)::bigint AS n, coalesce(sum(size_bytes) FILTER (WHERE state = 'stored'), 0)::bigint AS bytes
                                     FROM reporting.session_files WHERE tenant = etl.tenant() GROUP BY state`);
  const counts: FileCounts = { available: 0, processing: 0, stored: 0, failed: 0, gone: 0, deleted: 0, unavailable: 0, tooLarge: 0, pending: 0, bytesOnDisk: 0 };
  for (const r of rows as Array<{ state: string; n: string; bytes: string }>) {
    const field = STATE_FIELD[r.state];
    if (field) counts[field] = Number(r.n);
    counts.bytesOnDisk += Number(r.bytes);
  }
  counts.pending = counts.available + counts.processing;
  return counts;
}

export interface FileReason {
  state: 'failed' | 'unavailable' | 'too_large' | 'gone';
  reason: string;
  files: number;
}

/**
 * Why files are failed, unavailable, too large or gone: the commonest `perState` reasons of each
 * state, and the rest summed as "other reasons", so each state's rows add up to its count.
 * Addresses in reasons are shown as <url> (one reason per address would hide the pattern).
 */
export async function fileReasons(knex: Knex, perState = 5): Promise<FileReason[]> {
  const { rows } = await knex.raw(
    `WITH r AS (
       SELECT v.state,
              regexp_replace(coalesce(d.reason, CASE f.source_state
                WHEN 'failed' THEN 'mluvii failed to process the recordings (FailedToProcess)'
                WHEN 'gone' THEN 'mluvii marks the file deleted' END, '(no reason recorded)'), 'https\\?://[^ ]*', '<url>', 'g') AS reason
         FROM reporting.session_files v
         JOIN core.session_files f USING (tenant, session_id, file_key)
         LEFT JOIN core.file_downloads d USING (tenant, session_id, file_key)
        WHERE v.tenant = etl.tenant() AND v.state IN ('failed', 'unavailable', 'too_large', 'gone')),
     g AS (SELECT state, reason, count(*)::int AS files, row_number() OVER (PARTITION BY state ORDER BY count(*) DESC, reason) AS rank FROM r GROUP BY 1, 2)
     SELECT state, reason, files, rank FROM g WHERE rank <= ?
     UNION ALL
     SELECT state, '(' || count(*) || ' other reasons)', sum(files)::int, ? + 1 FROM g WHERE rank > ? GROUP BY state
     ORDER BY state, rank`,
    [perState, perState, perState],
  );
  return (rows as Array<FileReason & { rank: unknown }>).map(({ state, reason, files }) => ({ state, reason, files: Number(files) }));
}

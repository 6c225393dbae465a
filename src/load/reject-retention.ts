/** REJECTS_RETENTION, and when a reject is left with only its reason and ids (docs/privacy.md). */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Deletes rejects set aside before `before`. Returns how many. */
export async function deleteRejectsBefore(db: Db, before: Date): Promise<number> {
  const r = await db.raw(`DELETE FROM etl.rejects WHERE tenant = etl.tenant() AND rejected_at < ?`, [before]);
  return r.rowCount ?? 0;
}

/**
 * Rejects set aside before `before`, other than by the run `exceptRunId`, keep their reason and
 * ids, not the text of the payload (reject_key still holds the hash of both, so the same reject
 * is never stored twice). Returns how many.
 */
export async function trimRejectsBefore(db: Db, before: Date, exceptRunId: number | null): Promise<number> {
  const r = await db.raw(`UPDATE etl.rejects SET raw_text = '' WHERE tenant = etl.tenant() AND rejected_at < ? AND run_id IS DISTINCT FROM ? AND raw_text <> ''`, [before, exceptRunId]);
  return r.rowCount ?? 0;
}

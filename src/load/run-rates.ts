import type { Knex } from 'knex';

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
  const has = await db.raw(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = 'etl' AND table_name = 'runs' AND column_name = 'settled_rps'`,
  );
  if (has.rows.length === 0) return undefined;
  const r = await db.raw(
    `SELECT run_id, kind, settled_rps, finished_at FROM etl.runs WHERE settled_rps IS NOT NULL ORDER BY run_id DESC LIMIT 1`,
  );
  const row = r.rows[0] as { run_id: string | number; kind: string; settled_rps: string; finished_at: Date | null } | undefined;
  return row && { runId: Number(row.run_id), kind: row.kind, rps: Number(row.settled_rps), finishedAt: row.finished_at };
}

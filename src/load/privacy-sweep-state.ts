/**
 * etl.privacy_sweep: how far the sweep of sessions mluvii anonymized got, and why the last
 * attempt could not run when it could not. One row (its key is the table's only value).
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export interface SweepState {
  /** Every session anonymized before this was handled; null before the first sweep. */
  sweptUntil: Date | null;
  lastAttemptAt: Date | null;
  lastOkAt: Date | null;
  /** Why the last attempt could not run (null when it did). */
  problem: string | null;
  /** refused: the API refuses the Anonymized filter or the endpoint (a permission, a setting); failed: anything else. */
  problemKind: 'refused' | 'failed' | null;
}

const EMPTY: SweepState = { sweptUntil: null, lastAttemptAt: null, lastOkAt: null, problem: null, problemKind: null };

export async function readSweepState(db: Db): Promise<SweepState> {
  const r = await db.raw(`SELECT swept_until, last_attempt_at, last_ok_at, problem, problem_kind FROM etl.privacy_sweep WHERE tenant = etl.tenant() AND sweep = 'anonymized'`);
  const row = r.rows[0] as Record<string, unknown> | undefined;
  if (!row) return EMPTY;
  return {
    sweptUntil: (row.swept_until as Date | null) ?? null,
    lastAttemptAt: (row.last_attempt_at as Date | null) ?? null,
    lastOkAt: (row.last_ok_at as Date | null) ?? null,
    problem: (row.problem as string | null) ?? null,
    problemKind: (row.problem_kind as SweepState['problemKind']) ?? null,
  };
}

/** The sweep handled everything anonymized before `until` (in the transaction of its last batch). */
export async function sweptUntil(db: Db, until: Date, at: Date): Promise<void> {
  await db.raw(
    `INSERT INTO etl.privacy_sweep (sweep, swept_until, last_attempt_at, last_ok_at, problem, problem_kind) VALUES ('anonymized', ?, ?, ?, NULL, NULL)
     ON CONFLICT (tenant, sweep) DO UPDATE SET swept_until = EXCLUDED.swept_until, last_attempt_at = EXCLUDED.last_attempt_at,
            last_ok_at = EXCLUDED.last_ok_at, problem = NULL, problem_kind = NULL`,
    [until, at, at],
  );
}

/** The sweep could not run: why (its checkpoint stays, so the next attempt starts where this one would have). */
export async function sweepProblem(db: Db, kind: 'refused' | 'failed', problem: string, at: Date): Promise<void> {
  await db.raw(
    `INSERT INTO etl.privacy_sweep (sweep, last_attempt_at, problem, problem_kind) VALUES ('anonymized', ?, ?, ?)
     ON CONFLICT (tenant, sweep) DO UPDATE SET last_attempt_at = EXCLUDED.last_attempt_at, problem = EXCLUDED.problem, problem_kind = EXCLUDED.problem_kind`,
    [at, problem, kind],
  );
}

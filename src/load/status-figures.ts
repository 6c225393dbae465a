import type { Knex } from 'knex';
import { fileCounts, fileReasons, type FileCounts, type FileReason } from './file-figures.js';

/**
 * The read-only figures `status` shows that belong to no single table module: whether the
 * warehouse is migrated, quality flags, rejects, incomplete sessions, operator names, files.
 * `status` never migrates, so each query copes with a warehouse that is not migrated that far.
 * Every figure is the connection's tenant's (etl.tenant()).
 */

type Db = Knex;

/** Whether the etl tables exist at all (a fresh database before `migrate`), and whether they know tenants yet (an older version migrated them). */
export async function migrationState(db: Db): Promise<'none' | 'older' | 'current'> {
  const r = (
    await db.raw(`SELECT to_regclass('etl.runs') IS NOT NULL AND to_regclass('etl.windows') IS NOT NULL AS ok, to_regclass('etl.tenants') IS NOT NULL AS tenants`)
  ).rows[0] as { ok: boolean; tenants: boolean };
  return !r.ok ? 'none' : r.tenants ? 'current' : 'older';
}

/** Sessions created since `since`, and how many of them carry each quality flag (commonest first). */
export async function qualityFlagsSince(db: Db, since: Date): Promise<{ sessions: number; flags: Array<{ flag: string; sessions: number }> }> {
  const flags = (
    await db.raw(`SELECT f AS flag, count(*) AS n FROM core.sessions, unnest(quality_flags) AS f WHERE tenant = etl.tenant() AND created_at >= ? GROUP BY f ORDER BY 2 DESC, 1`, [
      since.toISOString(),
    ])
  ).rows as Array<{ flag: string; n: string | number }>;
  const sessions = Number((await db.raw(`SELECT count(*) AS n FROM core.sessions WHERE tenant = etl.tenant() AND created_at >= ?`, [since.toISOString()])).rows[0].n);
  return { sessions, flags: flags.map((f) => ({ flag: f.flag, sessions: Number(f.n) })) };
}

/** etl.rejects by the reason's first word (the part before ':'), commonest first. */
export async function rejectsByReason(db: Db): Promise<Array<{ reason: string; count: number; lastSeen: Date }>> {
  const r = await db.raw(`SELECT split_part(reason, ':', 1) AS reason, count(*) AS n, max(rejected_at) AS last FROM etl.rejects WHERE tenant = etl.tenant() GROUP BY 1 ORDER BY 2 DESC, 1`);
  return (r.rows as Array<{ reason: string; n: string | number; last: Date }>).map((x) => ({ reason: x.reason, count: Number(x.n), lastSeen: x.last }));
}

/** Sessions still running when loaded (M-DONE): those each run fetches again, and those given up on. */
export async function incompleteSessionCounts(db: Db): Promise<{ pending: number; oldestCreated: Date | null; givenUp: number }> {
  const row = (
    await db.raw(`SELECT count(*) FILTER (WHERE NOT s.is_complete AND r.completion_given_up_at IS NULL) AS pending,
                         min(s.created_at) FILTER (WHERE NOT s.is_complete AND r.completion_given_up_at IS NULL) AS oldest,
                         count(*) FILTER (WHERE r.completion_given_up_at IS NOT NULL AND NOT s.is_complete) AS given_up
                    FROM core.sessions s JOIN raw.sessions r USING (tenant, session_id) WHERE s.tenant = etl.tenant()`)
  ).rows[0];
  return { pending: Number(row.pending), oldestCreated: row.oldest ?? null, givenUp: Number(row.given_up) };
}

/** Operators known, and how many of them have a name. */
export async function operatorNameCounts(db: Db): Promise<{ operators: number; withName: number }> {
  const row = (
    await db.raw(`SELECT count(*) AS n, count(*) FILTER (WHERE coalesce(first_name, last_name, user_name) IS NOT NULL) AS named FROM core.operators WHERE tenant = etl.tenant()`)
  ).rows[0];
  return { operators: Number(row.n), withName: Number(row.named) };
}

/** Recordings and shared files by state, with why those not stored are not (each state's reasons add up); undefined before that migration. */
export async function fileFigures(db: Db): Promise<(FileCounts & { failedBecause: Array<{ reason: string; files: number }>; notDownloadedBecause: FileReason[] }) | undefined> {
  if (!(await db.raw(`SELECT to_regclass('reporting.session_files') IS NOT NULL AS ok`)).rows[0].ok) return undefined;
  const reasons = await fileReasons(db);
  return {
    ...(await fileCounts(db)),
    failedBecause: reasons.filter((r) => r.state === 'failed').map(({ reason, files }) => ({ reason, files })),
    notDownloadedBecause: reasons.filter((r) => r.state !== 'failed'),
  };
}

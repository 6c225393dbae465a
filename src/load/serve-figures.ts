/**
 * What `serve` reads from the warehouse for /healthz and /metrics, at each request: whether the
 * database answers, the runs recorded in etl.runs, the job queue's depth (pg-boss's table) and the
 * newest session loaded. Read-only, and each figure on its own: a missing table (a warehouse not
 * migrated yet, no pg-boss schema) leaves that figure out instead of failing the scrape.
 */
import type { Knex } from '../db/knex.js';

const UNDEFINED_TABLE = '42P01';
const UNDEFINED_SCHEMA = '3F000';

/** Resolves when the database answers a trivial query. */
export async function pingDatabase(knex: Knex): Promise<void> {
  await knex.raw('SELECT 1');
}

/** Runs grouped by tenant, kind and outcome, with what they did (sums over etl.runs). */
export interface RunFigures {
  tenant: string;
  kind: string;
  status: string;
  runs: number;
  windowsDone: number;
  windowsFailed: number;
  windowsSkipped: number;
  sessionsLoaded: number;
  apiRequests: number;
  apiRateLimited: number;
  apiRetries: number;
}

export async function runFigures(knex: Knex): Promise<RunFigures[] | undefined> {
  return orMissing(async () => {
    const r = await knex.raw(`
      SELECT tenant, kind, status, count(*)::float8 AS runs,
             sum(windows_done)::float8 AS windows_done, sum(windows_failed)::float8 AS windows_failed, sum(windows_skipped)::float8 AS windows_skipped,
             sum(sessions_seen)::float8 AS sessions_loaded, sum(api_requests)::float8 AS api_requests,
             coalesce(sum(api_rate_limited), 0)::float8 AS api_rate_limited, coalesce(sum(api_retries), 0)::float8 AS api_retries
        FROM etl.runs GROUP BY tenant, kind, status`);
    return (r.rows as Array<Record<string, string | number>>).map((x) => ({
      tenant: String(x.tenant),
      kind: String(x.kind),
      status: String(x.status),
      runs: Number(x.runs),
      windowsDone: Number(x.windows_done),
      windowsFailed: Number(x.windows_failed),
      windowsSkipped: Number(x.windows_skipped),
      sessionsLoaded: Number(x.sessions_loaded),
      apiRequests: Number(x.api_requests),
      apiRateLimited: Number(x.api_rate_limited),
      apiRetries: Number(x.api_retries),
    }));
  });
}

/** Per tenant, the request rate its latest run with MLUVII_RPS=auto settled on (tenants none of whose runs did are left out). */
export async function latestSettledRps(knex: Knex): Promise<Array<{ tenant: string; rps: number }> | undefined> {
  return orMissing(async () => {
    const r = await knex.raw('SELECT DISTINCT ON (tenant) tenant, settled_rps::float8 AS rps FROM etl.runs WHERE settled_rps IS NOT NULL ORDER BY tenant, started_at DESC');
    return (r.rows as Array<{ tenant: string; rps: number }>).map((x) => ({ tenant: x.tenant, rps: Number(x.rps) }));
  });
}

/** Jobs not yet done per queue and state (created, retry, active), from pg-boss's job table. */
export async function queueDepth(knex: Knex, schema: string, queues: readonly string[]): Promise<Array<{ queue: string; state: string; jobs: number }> | undefined> {
  return orMissing(async () => {
    const r = await knex.raw(
      `SELECT name AS queue, state::text AS state, count(*)::float8 AS jobs FROM ??.job WHERE name = ANY(?) AND state IN ('created', 'retry', 'active') GROUP BY name, state`,
      [schema, [...queues]],
    );
    return (r.rows as Array<{ queue: string; state: string; jobs: number }>).map((x) => ({ queue: x.queue, state: x.state, jobs: Number(x.jobs) }));
  });
}

/** A tenant's session hints in pg-boss's job table: waiting ones (and those overdue), and those given up since `failedSince`. */
export interface HintQueueFigures {
  waiting: number;
  /** Waiting jobs whose start was due before `overdueBefore`: no worker took them. */
  overdue: number;
  /** When the longest-waiting of those became due. */
  oldestOverdue: Date | null;
  failed: number;
}

/** undefined when pg-boss's schema is not there (no `migrate` since the queues came, or no jobs ever). */
export async function hintQueueFigures(knex: Knex, schema: string, queue: string, tenant: string, at: { overdueBefore: Date; failedSince: Date }): Promise<HintQueueFigures | undefined> {
  return orMissing(async () => {
    const r = await knex.raw(
      `SELECT count(*) FILTER (WHERE state IN ('created', 'retry', 'active'))::int AS waiting,
              count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after < ?)::int AS overdue,
              min(start_after) FILTER (WHERE state IN ('created', 'retry') AND start_after < ?) AS oldest_overdue,
              count(*) FILTER (WHERE state = 'failed' AND coalesce(completed_on, created_on) >= ?)::int AS failed
         FROM ??.job WHERE name = ? AND state IN ('created', 'retry', 'active', 'failed') AND data->>'tenant' = ?`,
      [at.overdueBefore.toISOString(), at.overdueBefore.toISOString(), at.failedSince.toISOString(), schema, queue, tenant],
    );
    const row = r.rows[0] as { waiting: number; overdue: number; oldest_overdue: Date | null; failed: number };
    return { waiting: Number(row.waiting), overdue: Number(row.overdue), oldestOverdue: row.oldest_overdue ? new Date(row.oldest_overdue) : null, failed: Number(row.failed) };
  });
}

/** Per tenant, when its newest loaded session was created (tenants with none are left out). */
export async function newestSessionCreated(knex: Knex): Promise<Array<{ tenant: string; newest: Date }> | undefined> {
  return orMissing(async () => {
    const r = await knex.raw('SELECT tenant, max(created_at) AS newest FROM core.sessions GROUP BY tenant');
    return (r.rows as Array<{ tenant: string; newest: Date }>).map((x) => ({ tenant: x.tenant, newest: new Date(x.newest) }));
  });
}

/** undefined when the table or schema is not there (yet); any other failure is thrown. */
async function orMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === UNDEFINED_TABLE || code === UNDEFINED_SCHEMA) return undefined;
    throw err;
  }
}

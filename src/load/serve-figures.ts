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

/** Runs grouped by kind and outcome, with what they did (sums over etl.runs). */
export interface RunFigures {
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
      SELECT kind, status, count(*)::float8 AS runs,
             sum(windows_done)::float8 AS windows_done, sum(windows_failed)::float8 AS windows_failed, sum(windows_skipped)::float8 AS windows_skipped,
             sum(sessions_seen)::float8 AS sessions_loaded, sum(api_requests)::float8 AS api_requests,
             coalesce(sum(api_rate_limited), 0)::float8 AS api_rate_limited, coalesce(sum(api_retries), 0)::float8 AS api_retries
        FROM etl.runs GROUP BY kind, status`);
    return (r.rows as Array<Record<string, string | number>>).map((x) => ({
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

/** The request rate the latest run with MLUVII_RPS=auto settled on; undefined when none did. */
export async function latestSettledRps(knex: Knex): Promise<number | undefined> {
  return orMissing(async () => {
    const r = await knex.raw('SELECT settled_rps::float8 AS rps FROM etl.runs WHERE settled_rps IS NOT NULL ORDER BY started_at DESC LIMIT 1');
    return r.rows.length ? Number(r.rows[0].rps) : undefined;
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

/** When the newest loaded session was created; null when none is loaded. (One tenant per warehouse today.) */
export async function newestSessionCreated(knex: Knex): Promise<Date | null | undefined> {
  return orMissing(async () => {
    const r = await knex.raw('SELECT max(created_at) AS newest FROM core.sessions');
    return r.rows[0].newest === null ? null : new Date(r.rows[0].newest as string);
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

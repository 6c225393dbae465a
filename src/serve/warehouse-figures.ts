/**
 * The warehouse's figures a scrape of /metrics shows, read from today's schema: one tenant per
 * warehouse (the environment's), its runs from etl.runs, the rate in force, the job queue's
 * depth and the newest loaded session. With tenants in every table, these reads group by tenant.
 */
import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import { latestSettledRps, newestSessionCreated, queueDepth, runFigures } from '../load/serve-figures.js';
import type { WarehouseFigures } from './metrics.js';
import { PGBOSS_SCHEMA, SESSION_HINT_QUEUE } from './webhook-queue.js';

export async function readWarehouseFigures(knex: Knex, tenant: string, config: Config, now: () => Date): Promise<WarehouseFigures> {
  const [runs, settled, queue, newest] = await Promise.all([runFigures(knex), latestSettledRps(knex), queueDepth(knex, PGBOSS_SCHEMA, [SESSION_HINT_QUEUE.name]), newestSessionCreated(knex)]);
  const rps = config.mluviiRps === 'auto' ? settled : config.mluviiRps;
  return {
    runs: runs?.map((r) => ({ tenant, ...r })),
    rps: rps === undefined ? undefined : [{ tenant, rps }],
    // Every state of the queue, 0 included: a gauge without samples reads as "unknown", not as "empty".
    queue: queue && ['created', 'retry', 'active'].map((state) => ({ queue: SESSION_HINT_QUEUE.name, state, jobs: queue.find((q) => q.state === state)?.jobs ?? 0 })),
    newestSessionAge: newest ? [{ tenant, seconds: Math.max(0, (now().getTime() - newest.getTime()) / 1000) }] : undefined,
  };
}

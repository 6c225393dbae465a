/**
 * The warehouse's figures a scrape of /metrics shows, per tenant: its runs from etl.runs, the rate
 * in force (MLUVII_RPS of the environment's tenant, or what MLUVII_RPS=auto settled on), the job
 * queue's depth and the age of its newest loaded session.
 */
import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import { latestSettledRps, newestSessionCreated, queueDepth, runFigures } from '../load/serve-figures.js';
import type { WarehouseFigures } from './metrics.js';
import { JOBS_SCHEMA, QUEUES } from '../jobs/queues.js';

export async function readWarehouseFigures(knex: Knex, tenant: string, config: Config, now: () => Date): Promise<WarehouseFigures> {
  const [runs, settled, queue, newest] = await Promise.all([runFigures(knex), latestSettledRps(knex), queueDepth(knex, JOBS_SCHEMA, [QUEUES.sessionHint.name]), newestSessionCreated(knex)]);
  // The environment's tenant's fixed rate is known here; any tenant's settled one is in etl.runs.
  const rps = config.mluviiRps === 'auto' ? settled : [...(settled ?? []).filter((s) => s.tenant !== tenant), { tenant, rps: config.mluviiRps }];
  return {
    runs,
    rps,
    // Every state of the queue, 0 included: a gauge without samples reads as "unknown", not as "empty".
    queue: queue && ['created', 'retry', 'active'].map((state) => ({ queue: QUEUES.sessionHint.name, state, jobs: queue.find((q) => q.state === state)?.jobs ?? 0 })),
    newestSessionAge: newest?.map((n) => ({ tenant: n.tenant, seconds: Math.max(0, (now().getTime() - n.newest.getTime()) / 1000) })),
  };
}

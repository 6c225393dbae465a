import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import type { Logger } from '../log.js';
import { startBoss } from './boss.js';
import { JOBS_SCHEMA, QUEUES } from './queues.js';
import { nightlyCron, registerSchedules } from './schedules.js';
import { scheduledTenants, scheduleOf } from './tenant-for-job.js';

/**
 * `migrate`'s part for the workers: pg-boss's schema created or migrated, every queue declared,
 * each tenant's nightly schedule registered (the registry's tenants, read through `registry`).
 * Idempotent, and a worker that starts first does the same; so does `serve` for its own queue,
 * which is why pg-boss is prepared here rather than by whichever starts first. Returns the line
 * `migrate` prints.
 */
export async function prepareJobQueues(config: Config, logger: Logger, registry: Knex): Promise<string> {
  const boss = await startBoss(config, logger, 'client', { connections: 1 });
  try {
    const scheduled = await scheduledTenants(config, registry);
    await registerSchedules(boss, scheduled, logger);
    const nightly = scheduled.tenants.map((t) => `${t.name} at ${scheduleOf(t)} ${t.config.reportTz} (cron "${nightlyCron(scheduleOf(t))}")`).join(', ');
    return `job queues: schema ${JOBS_SCHEMA}, ${Object.keys(QUEUES).length} queues; nightly schedule for \`mluvii-etl worker\`: ${nightly}`;
  } finally {
    await boss.stop({ graceful: false });
  }
}

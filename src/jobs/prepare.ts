import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { startBoss } from './boss.js';
import { JOBS_SCHEMA, QUEUES } from './queues.js';
import { nightlyCron, registerSchedules } from './schedules.js';
import { scheduledTenants } from './tenant-for-job.js';

/**
 * `migrate`'s part for the workers: pg-boss's schema created or migrated, every queue declared,
 * each tenant's nightly schedule registered. Idempotent, and a worker that starts first does the
 * same. Returns the line `migrate` prints.
 */
export async function prepareJobQueues(config: Config, logger: Logger): Promise<string> {
  const boss = await startBoss(config, logger, 'client', { connections: 1 });
  try {
    const tenants = scheduledTenants(config);
    await registerSchedules(boss, tenants, logger);
    const nightly = tenants.map((t) => `${t.name} at ${t.config.etlScheduleAt} ${t.config.reportTz} (cron "${nightlyCron(t.config.etlScheduleAt)}")`).join(', ');
    return `job queues: schema ${JOBS_SCHEMA}, ${Object.keys(QUEUES).length} queues; nightly schedule for \`mluvii-etl worker\`: ${nightly}`;
  } finally {
    await boss.stop({ graceful: false });
  }
}

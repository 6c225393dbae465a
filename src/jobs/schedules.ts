import type { PgBoss } from 'pg-boss';
import type { Logger } from '../log.js';
import type { Tenant } from '../tenants/tenant.js';
import { QUEUES, type RunJobData } from './queues.js';
import { scheduleOf } from './tenant-for-job.js';

/** A time of day ("HH:MM": ETL_SCHEDULE_AT, a tenant's --schedule) as a cron expression for every day at that local time. */
export function nightlyCron(at: string): string {
  const [hour, minute] = at.split(':').map(Number);
  return `${minute} ${hour} * * *`;
}

/**
 * The nightly run of each tenant, as a pg-boss schedule at its time (a registered tenant's
 * --schedule, else ETL_SCHEDULE_AT) in the tenant's REPORT_TZ, keyed by the tenant: registering it again (every worker does at start, and
 * `migrate`) updates the one schedule rather than adding one, and pg-boss sends each occurrence
 * once however many workers run. On the night the clock skips the hour, 02:15 runs at 03:15; on
 * the night it repeats, at the first 02:15 (pg-boss's cron in the zone). A schedule of a tenant
 * that is no longer loaded (not in `known`: unknown, or disabled) is removed. Each occurrence sends a job to QUEUES.run, whose worker
 * coordinates the run (scheduled-run.ts).
 */
export async function registerSchedules(boss: PgBoss, { tenants, known }: { tenants: Tenant[]; known: ReadonlySet<string> }, logger: Logger): Promise<void> {
  for (const tenant of tenants) {
    const data: RunJobData = { tenant: tenant.name };
    const cron = nightlyCron(scheduleOf(tenant));
    await boss.schedule(QUEUES.run.name, cron, data, { tz: tenant.config.reportTz, key: tenant.name, singletonKey: tenant.name, group: { id: tenant.name } });
    logger.debug({ tenant: tenant.name, cron, tz: tenant.config.reportTz }, 'nightly run scheduled');
  }
  for (const s of await boss.getSchedules(QUEUES.run.name)) {
    if (!known.has(s.key)) {
      await boss.unschedule(QUEUES.run.name, s.key);
      logger.info({ tenant: s.key }, 'nightly schedule of a tenant no longer loaded removed');
    }
  }
}

import { PgBoss, type ConstructorOptions } from 'pg-boss';
import { requireDatabaseUrl, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { describeError } from '../pipeline/describe-error.js';
import { declareQueues, JOBS_SCHEMA } from './queues.js';

/**
 * pg-boss in the warehouse's own Postgres, in a schema of its own (queues.ts: JOBS_SCHEMA).
 * Whoever starts first creates or migrates that schema (pg-boss takes an advisory lock for it),
 * so a worker that starts before `migrate` works, and two workers starting together do not race.
 *
 * - `worker`: works the queues, supervises (expires jobs whose worker died) and runs the cron
 *   schedules (pg-boss sends each occurrence once, whichever worker's pass sees it first);
 * - `client`: `migrate` and a command run with `--queue`: sends jobs and reads them, nothing else.
 */
export type BossRole = 'worker' | 'client';

/** pg-boss's supervisor looks for dead jobs this often: a few times per heartbeat, at most every minute. */
export function superviseSeconds(config: Pick<Config, 'etlJobHeartbeatMs'>): number {
  return Math.max(1, Math.min(60, Math.floor(config.etlJobHeartbeatMs / 1000 / 3)));
}

export async function startBoss(config: Config, logger: Logger, role: BossRole, opts: { connections?: number } = {}): Promise<PgBoss> {
  const options: ConstructorOptions = {
    connectionString: requireDatabaseUrl(config),
    schema: JOBS_SCHEMA,
    application_name: `mluvii-etl ${role}`,
    max: opts.connections ?? 3,
    migrate: true,
    supervise: role === 'worker',
    schedule: role === 'worker',
    superviseIntervalSeconds: superviseSeconds(config),
    monitorIntervalSeconds: superviseSeconds(config),
    // A worker is woken by a NOTIFY when a job is sent (queues.ts: notify), not by its next poll.
    useListenNotify: role === 'worker',
    // Our own run records live in etl.runs; pg-boss's instance registry is not needed.
    registerInstance: false,
    openTelemetry: { enabled: false },
  };
  const boss = new PgBoss(options);
  // Without a listener an 'error' event would end the process; pg-boss retries its own polls.
  boss.on('error', (err) => logger.warn({ error: describeError(err) }, 'job queue: a database call failed (pg-boss retries it)'));
  await boss.start();
  await declareQueues(boss);
  return boss;
}

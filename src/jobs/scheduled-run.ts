import type { Job } from 'pg-boss';
import { clientFromConfig } from '../pipeline/client-from-config.js';
import { nightlyBounds, runNight } from '../pipeline/nightly-run.js';
import { inRunFrame, StopRequest } from '../pipeline/run-frame.js';
import type { WorkerServices } from './job-frame.js';
import { MalformedJobError, readRunJobData } from './job-data.js';
import { queueRunner } from './queue-runner.js';
import { tenantForJob, UnknownTenantError } from './tenant-for-job.js';

/** What a scheduled run's job reports (its pg-boss output); `skipped`: another writer held the tenant's lock. */
export interface RunJobOutput {
  status: 'succeeded' | 'failed' | 'skipped' | 'refused';
  runId?: number;
  error?: string;
}

/**
 * A tenant's nightly run, as its schedule sends it (schedules.ts), coordinated by a worker: the
 * same run as `mluvii-etl run --queue` (one etl.runs row, the writer lock, the same plan), its
 * units sent as jobs that any worker takes. Another writer holding the lock is not a failure:
 * the run is recorded as skipped and the job completes (`skipped`), nothing is retried. A run
 * that failed is recorded in etl.runs and also completes (the next night retries what failed);
 * only a crash of the coordinator itself is thrown for pg-boss to retry.
 */
export async function runScheduledNight(services: WorkerServices, job: Job<unknown>): Promise<RunJobOutput> {
  let tenant;
  let data;
  try {
    data = readRunJobData(job.data);
    tenant = await tenantForJob(data.tenant, services.config, services.registry, { secrets: true });
  } catch (err) {
    if (!(err instanceof MalformedJobError || err instanceof UnknownTenantError)) throw err;
    services.logger.error({ job: job.id, error: err.message }, 'scheduled run refused');
    return { status: 'refused', error: err.message };
  }
  const log = services.logger.child({ job: job.id, tenant: tenant.name, scheduled: true });
  const knex = services.connections.knexFor(tenant);
  // A client of the run's own, so its counters are this run's (the units use the worker's clients).
  const client = clientFromConfig(tenant.config, log);
  const now = new Date();
  const bounds = nightlyBounds(tenant.config, { now, until: data.until === undefined ? undefined : new Date(data.until) });
  const signal = new AbortController();
  job.signal.addEventListener('abort', () => signal.abort(new StopRequest('the worker shut down before the run finished; it is handed to another worker')), { once: true });
  const r = await inRunFrame({ config: tenant.config, logger: log, knex, client, signal: signal.signal }, 'run', { ...bounds.args, scheduled: true }, (ctx) =>
    runNight(ctx, { tenant, client, runnerFor: (base) => queueRunner(services.boss, base), now, ...bounds }),
  );
  if (r.thrown !== undefined) throw r.thrown;
  if (r.stop) throw new Error(r.stop.message);
  log.info({ runId: r.runId, status: r.status }, r.status === 'skipped' ? 'scheduled run skipped: another writer holds the lock' : `scheduled run ${r.status}`);
  return { status: r.status, runId: r.runId, ...(r.error ? { error: r.error } : {}) };
}

import type { Job, PgBoss } from 'pg-boss';
import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { CampaignModeCache } from '../pipeline/campaign-mode-cache.js';
import { executeUnit } from '../pipeline/execute-unit.js';
import type { UnitOutcome } from '../pipeline/unit-types.js';
import { MalformedJobError, readUnitJobData } from './job-data.js';
import type { TenantConnections } from './tenant-connections.js';
import { tenantForJob, UnknownTenantError } from './tenant-for-job.js';

/** What a worker's jobs run with: its settings, logger, the tenant registry, connections per tenant and its pg-boss. */
export interface WorkerServices {
  config: Config;
  logger: Logger;
  /** A pool of no tenant, for reading etl.tenants (tenant-for-job.ts). */
  registry: Knex;
  connections: TenantConnections;
  boss: PgBoss;
}

/** The job was stopped before it finished (the worker is shutting down): thrown so pg-boss hands it to another worker. */
export class JobReleasedError extends Error {
  override name = 'JobReleasedError';
}

const apiCounters = (client: MluviiClient | undefined) =>
  client ? { requests: client.requestCount + client.downloadRequestCount, rateLimited: client.rateLimitedCount, retries: client.retryCount } : { requests: 0, rateLimited: 0, retries: 0 };

/**
 * The frame of one unit's job on a worker. It returns the unit's outcome, which pg-boss keeps as
 * the job's output for whoever waits for it:
 * - the unit ran (loaded, skipped as covered, or failed and recorded where it belongs, e.g. a
 *   failed window in etl.windows): the outcome, and the job completes, since a retry would only
 *   do the same (the next run retries a failed window, as in one process);
 * - a job that cannot be run (an unknown tenant, malformed data): an outcome naming why, completed;
 * - stopped before it finished (the worker is shutting down): what it began was rolled back, and
 *   the job is thrown back (JobReleasedError) so another worker takes it at once;
 * - anything unexpected (the database went away): thrown, and pg-boss retries it.
 */
export async function runUnitJob(services: WorkerServices, job: Job<unknown>): Promise<UnitOutcome> {
  let data;
  let tenant;
  try {
    data = readUnitJobData(job.data);
    // A reprocess slice never calls the API: its tenant's secret is not needed.
    tenant = await tenantForJob(data.tenant, services.config, services.registry, { secrets: data.request.kind !== 'reprocess' });
  } catch (err) {
    if (!(err instanceof MalformedJobError || err instanceof UnknownTenantError)) throw err;
    services.logger.error({ job: job.id, queue: job.name, error: err.message }, 'job refused');
    return { kind: data?.request.kind ?? 'window', counts: {}, failures: [`job ${job.id} refused: ${err.message}`] };
  }
  const { request, runId } = data;
  const log = services.logger.child({ job: job.id, kind: request.kind, tenant: tenant.name, runId, attempt: job.retryCount });
  const knex = services.connections.knexFor(tenant);
  let client: MluviiClient | undefined;
  let before = apiCounters(undefined);
  const clientOnce = () => {
    if (!client) {
      client = services.connections.clientFor(tenant);
      before = apiCounters(client);
    }
    return client;
  };
  log.debug({ request }, 'job started');
  const outcome = await executeUnit({ tenant, knex, client: clientOnce, campaigns: CampaignModeCache.fresh(log), runId, logger: log, signal: job.signal, attempt: job.retryCount }, request);
  // The requests this job made (approximate when other jobs of the tenant ran beside it on this worker: they share the client).
  const after = apiCounters(client);
  outcome.counts.apiRequests = after.requests - before.requests;
  outcome.counts.apiRateLimited = after.rateLimited - before.rateLimited;
  outcome.counts.apiRetries = after.retries - before.retries;
  if (outcome.interrupted) {
    log.info('job stopped before it finished: rolled back and handed back to the queue');
    throw new JobReleasedError(`${request.kind} job stopped before it finished (the worker is shutting down): rolled back, to be run again`);
  }
  log.debug({ counts: outcome.counts }, 'job done');
  return outcome;
}

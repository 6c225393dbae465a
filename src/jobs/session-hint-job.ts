import type { Job, JobResult } from 'pg-boss';
import { CampaignModeCache } from '../pipeline/campaign-mode-cache.js';
import { describeError } from '../pipeline/describe-error.js';
import { loadHintedSessions } from '../pipeline/session-hints.js';
import type { SessionHint } from '../serve/webhook-queue.js';
import type { Tenant } from '../tenants/tenant.js';
import { MalformedJobError, readSessionHintData } from './job-data.js';
import type { WorkerServices } from './job-frame.js';
import { tenantForJob, UnknownTenantError } from './tenant-for-job.js';

/** How many hints a worker takes at once: their sessions are loaded in one transaction, their days refreshed once. */
export const HINT_BATCH = 50;

/** What a hint's job keeps as its output (pg-boss's job.output), for whoever looks. */
export type HintOutcome =
  | { sessionId: number; outcome: 'loaded' }
  | { sessionId: number; outcome: 'unknown'; note: string }
  | { sessionId?: number; outcome: 'refused'; note: string };

const completed = (job: Job<unknown>, output: HintOutcome): JobResult => ({ id: job.id, status: 'completed', output });

/**
 * A batch of `session-hint` jobs on a worker (QUEUES.sessionHint): each hint's tenant is read as
 * every job's is (tenantForJob), and the sessions of each tenant are loaded together
 * (loadHintedSessions: the load of a window, without the window). Each job gets its own outcome:
 * - loaded: completed;
 * - a session the API does not know (404, e.g. an id made up by whoever called serve): completed,
 *   saying so: a retry would get the same answer, and nothing was written;
 * - a hint that cannot be run (malformed, a tenant this worker cannot work for): completed, refused;
 * - anything else (the API or the database failing): the batch is tried one session at a time,
 *   so that one failing session does not hold the others back, and a session that still fails is
 *   failed into pg-boss's retry (QUEUES.sessionHint: a few times, then given up: the nightly load
 *   loads it anyway).
 */
export async function runSessionHintJobs(services: WorkerServices, jobs: Job<unknown>[]): Promise<JobResult[]> {
  const results: JobResult[] = [];
  const byTenant = new Map<string, Array<{ job: Job<unknown>; hint: SessionHint }>>();
  for (const job of jobs) {
    try {
      const hint = readSessionHintData(job.data);
      byTenant.set(hint.tenant, [...(byTenant.get(hint.tenant) ?? []), { job, hint }]);
    } catch (err) {
      if (!(err instanceof MalformedJobError)) throw err;
      services.logger.error({ job: job.id, queue: job.name, error: err.message }, 'session hint refused');
      results.push(completed(job, { outcome: 'refused', note: err.message }));
    }
  }
  for (const [name, hints] of byTenant) {
    let tenant: Tenant;
    try {
      tenant = await tenantForJob(name, services.config, services.registry, { secrets: true });
    } catch (err) {
      if (!(err instanceof UnknownTenantError)) throw err;
      services.logger.error({ jobs: hints.length, queue: hints[0].job.name, error: err.message }, 'session hints refused');
      for (const { job, hint } of hints) results.push(completed(job, { sessionId: hint.sessionId, outcome: 'refused', note: err.message }));
      continue;
    }
    try {
      results.push(...(await loadForTenant(services, tenant, hints)));
    } catch (err) {
      if (hints.length === 1) {
        results.push(failed(services, tenant, hints[0], err));
        continue;
      }
      services.logger.warn({ tenant: tenant.name, sessions: hints.length, error: describeError(err) }, 'a batch of session hints failed: loading its sessions one at a time');
      for (const one of hints) {
        try {
          results.push(...(await loadForTenant(services, tenant, [one])));
        } catch (e) {
          results.push(failed(services, tenant, one, e));
        }
      }
    }
  }
  return results;
}

async function loadForTenant(services: WorkerServices, tenant: Tenant, hints: Array<{ job: Job<unknown>; hint: SessionHint }>): Promise<JobResult[]> {
  const logger = services.logger.child({ tenant: tenant.name, queue: hints[0].job.name });
  const ctx = {
    tenant,
    knex: services.connections.knexFor(tenant),
    client: () => services.connections.clientFor(tenant),
    campaigns: CampaignModeCache.fresh(logger),
    runId: null,
    logger,
    attempt: Math.max(...hints.map((h) => h.job.retryCount ?? 0)),
  };
  const r = await loadHintedSessions(ctx, hints.map((h) => h.hint.sessionId));
  const unknown = new Set(r.unknown);
  logger.debug({ loaded: r.loaded.length, unknown: r.unknown.length }, 'hinted sessions loaded');
  if (unknown.size) logger.info({ sessions: [...unknown] }, 'session hints name sessions the mluvii API does not know: nothing loaded for them');
  return hints.map(({ job, hint }) =>
    unknown.has(hint.sessionId)
      ? completed(job, { sessionId: hint.sessionId, outcome: 'unknown', note: `session ${hint.sessionId} is unknown to the mluvii API (404) or too large to hold: nothing loaded` })
      : completed(job, { sessionId: hint.sessionId, outcome: 'loaded' }),
  );
}

function failed(services: WorkerServices, tenant: Tenant, { job, hint }: { job: Job<unknown>; hint: SessionHint }, err: unknown): JobResult {
  const error = describeError(err);
  services.logger.warn({ tenant: tenant.name, job: job.id, sessionId: hint.sessionId, attempt: job.retryCount, error }, 'a hinted session could not be loaded (pg-boss tries it again; the nightly load loads it anyway)');
  return { id: job.id, status: 'failed', output: { sessionId: hint.sessionId, outcome: 'failed', note: error } };
}

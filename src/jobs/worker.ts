import type { Job } from 'pg-boss';
import { databasePassword, requireDatabaseUrl, type Config } from '../config.js';
import { createKnex } from '../db/knex.js';
import { migrateLatest } from '../db/migrations.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { EXIT } from '../exit-codes.js';
import { registerSecrets, type Logger } from '../log.js';
import { envTenant } from '../tenants/tenant.js';
import { startBoss } from './boss.js';
import { runUnitJob, type WorkerServices } from './job-frame.js';
import { QUEUES } from './queues.js';
import { runScheduledNight } from './scheduled-run.js';
import { HINT_BATCH, runSessionHintJobs } from './session-hint-job.js';
import { registerSchedules } from './schedules.js';
import { scheduledTenants } from './tenant-for-job.js';
import { TenantConnections } from './tenant-connections.js';

/** How long a stopping worker waits, after the grace, for released jobs to roll back before it exits anyway. */
const ROLLBACK_WAIT_MS = 5_000;

/**
 * `mluvii-etl worker`: takes jobs from the queues (queues.ts) until SIGTERM or Ctrl-C, up to
 * `concurrency` of each kind at once (windows, reprocess slices, scheduled runs it coordinates…:
 * a command's units are of one kind at a time, and pg-boss polls each queue on its own). Any number of workers, on
 * any number of machines, may work one warehouse. On SIGTERM it takes no new job and gives the
 * ones it runs ETL_WORKER_GRACE to finish; then it hands the rest back to the queue (pg-boss
 * fails them into a retry, and their transactions roll back), so another worker takes them at
 * once instead of after ETL_JOB_HEARTBEAT. Exit code 143 (130 for Ctrl-C), as for any command.
 */
export async function runWorker(config: Config, logger: Logger, opts: { concurrency: number; print: (line: string) => void }): Promise<number> {
  const databaseUrl = requireDatabaseUrl(config);
  registerSecrets(config.mluviiClientSecret, databasePassword(databaseUrl));
  // The warehouse's own tables first: a worker that starts before `migrate` still works. As the
  // environment's tenant, like `migrate`: rows of a warehouse older than tenants become its rows.
  const knex = tenantKnex(databaseUrl, envTenant(config), { max: 1 });
  try {
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
  // Which tenant a job is for is read from etl.tenants, through a pool of no tenant.
  const registry = createKnex(databaseUrl, { max: 2 });
  const boss = await startBoss(config, logger, 'worker', { connections: opts.concurrency + 4 }).catch(async (err: unknown) => {
    await registry.destroy();
    throw err;
  });
  const connections = new TenantConnections(logger, opts.concurrency);
  const services: WorkerServices = { config, logger, registry, connections, boss };
  let stopSignal: 'SIGINT' | 'SIGTERM' | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
    stopSignal ??= signal;
    wake();
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  process.once('SIGINT', handlers.SIGINT);
  process.once('SIGTERM', handlers.SIGTERM);
  // The jobs running now, so that a stopping worker can wait for the ones it hands back to roll back.
  let running = 0;
  let whenIdle: (() => void) | undefined;
  const track = async <T>(job: Promise<T>): Promise<T> => {
    running += 1;
    try {
      return await job;
    } finally {
      running -= 1;
      if (running === 0) whenIdle?.();
    }
  };
  const idle = () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (whenIdle = resolve)));
  try {
    await registerSchedules(boss, await scheduledTenants(config, registry), logger);
    // One poller per job at once and queue. A send wakes them (NOTIFY); a poller that finished a
    // job looks for the next one at once rather than after its polling interval, so a queue of
    // short jobs (reprocess slices) is drained back to back; idle pollers look every 2 s (a
    // retried job is sent no NOTIFY).
    // ETL_TENANT_JOBS: jobs carry their tenant as their group; pg-boss skips a tenant's jobs while
    // that many of its kind are active on any worker, so other tenants' jobs are taken meanwhile.
    const poll = { pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2, ...(config.etlTenantJobs === undefined ? {} : { groupConcurrency: config.etlTenantJobs }) };
    const queues: Array<[string, (job: Job<unknown>) => Promise<unknown>]> = [
      ...[QUEUES.window, QUEUES.campaigns, QUEUES.refetch, QUEUES.files, QUEUES.reprocess].map((q) => [q.name, (job: Job<unknown>) => runUnitJob(services, job)] as [string, (job: Job<unknown>) => Promise<unknown>]),
      [QUEUES.run.name, (job: Job<unknown>) => runScheduledNight(services, job)],
    ];
    for (const [queue, handle] of queues) {
      for (let i = 0; i < opts.concurrency; i++) {
        let poller: string | undefined;
        poller = await boss.work(queue, poll, async ([job]: Job<unknown>[]) => {
          try {
            return await track(handle(job));
          } finally {
            if (poller) boss.notifyWorker(poller);
          }
        });
      }
    }
    // serve's webhook hints: a poller takes up to HINT_BATCH of them at once (their sessions are
    // loaded in one transaction, their days' summaries refreshed once), and gives each job its own
    // outcome. Hints send no NOTIFY (they wait out the debounce anyway): pollers look every second.
    // A poller that finished a batch looks for the next at once, as the units' pollers do.
    for (let i = 0; i < opts.concurrency; i++) {
      let poller: string | undefined;
      poller = await boss.work(QUEUES.sessionHint.name, { pollingIntervalSeconds: 1, batchSize: HINT_BATCH, perJobResults: true }, async (jobs: Job<unknown>[]) => {
        try {
          return await track(runSessionHintJobs(services, jobs));
        } finally {
          if (poller) boss.notifyWorker(poller);
        }
      });
    }
    logger.info({ concurrency: opts.concurrency, queues: [...queues.map(([name]) => name), QUEUES.sessionHint.name] }, 'worker started: waiting for jobs');
    opts.print(`mluvii-etl worker: working the job queues (${opts.concurrency} at once); SIGTERM or Ctrl-C stops it`);
    await stopped;
    logger.info({ signal: stopSignal, graceSeconds: config.etlWorkerGraceMs / 1000, running }, 'worker stopping: no new jobs; running ones get the grace period');
    // pg-boss stops fetching, waits up to the grace for running jobs, then fails the rest into a
    // retry and aborts their signals: the units roll back and another worker takes them.
    await boss.stop({ graceful: true, timeout: config.etlWorkerGraceMs, close: true });
    await Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, ROLLBACK_WAIT_MS).unref())]);
    logger.info({ signal: stopSignal }, 'worker stopped');
    return stopSignal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  } finally {
    process.removeListener('SIGINT', handlers.SIGINT);
    process.removeListener('SIGTERM', handlers.SIGTERM);
    await boss.stop({ graceful: false }).catch(() => undefined);
    await connections.close();
    await registry.destroy();
  }
}

import type { JobWithMetadata, PgBoss } from 'pg-boss';
import type { Config } from '../config.js';
import { markWindowFailed } from '../load/etl-windows.js';
import { describeError } from '../pipeline/describe-error.js';
import type { UnitOutcome, UnitRequest } from '../pipeline/unit-types.js';
import type { UnitBase, UnitRunner } from '../pipeline/unit-runner.js';
import { describeWindow } from '../pipeline/windows.js';
import { readOutcome } from './job-data.js';
import { QUEUES, unitKey, type UnitJobData } from './queues.js';

/** How often the jobs of a command are looked at while it waits for them. */
const POLL_MS = 250;
/** Said once when no worker has taken any of the command's jobs after this long. */
const IDLE_WARNING_MS = 30_000;

/** The timing every job is sent with: how long it may run, and how soon a silent worker counts as dead. */
export function jobTiming(config: Pick<Config, 'etlJobTimeoutMs' | 'etlJobHeartbeatMs'>): { expireInSeconds: number; heartbeatSeconds: number } {
  return { expireInSeconds: Math.round(config.etlJobTimeoutMs / 1000), heartbeatSeconds: Math.round(config.etlJobHeartbeatMs / 1000) };
}

interface Tracked {
  id: string;
  queue: string;
  request: UnitRequest;
  /** Another command's job for the same unit (sent first): waited for, never cancelled. */
  foreign: boolean;
  state?: string;
  done: boolean;
}

const describeRequest = (r: UnitRequest): string =>
  r.kind === 'window' ? `window ${describeWindow({ from: new Date(r.from), to: new Date(r.to) })}` : r.kind === 'reprocess' ? 'reprocess slice' : `${r.kind} step`;

/**
 * The units of a command as pg-boss jobs for the workers (`--queue`, and a worker's scheduled
 * run): every unit is sent at once, keyed (queues.ts) so that a unit already waiting or running
 * is not sent twice (this command then waits for that job instead), and the command waits,
 * reporting each outcome as it arrives. When told to stop (the API is down, or the command's
 * signal), the jobs not yet started are cancelled; those a worker already runs finish there.
 */
export function queueRunner(boss: PgBoss, base: UnitBase): UnitRunner {
  const tenant = base.tenant.name;
  const timing = jobTiming(base.tenant.config);

  const send = async (request: UnitRequest): Promise<Tracked | undefined> => {
    const q = QUEUES[request.kind];
    const key = unitKey(tenant, request);
    const data: UnitJobData = { tenant, runId: base.runId, request };
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await boss.send(q.name, data, { singletonKey: key, group: { id: tenant }, ...timing });
      if (id) return { id, queue: q.name, request, foreign: false, done: false };
      // The same unit is already waiting or running (exclusive queue): wait for that job.
      const existing = (await boss.findJobs<UnitJobData>(q.name, { key })).find((j) => ['created', 'retry', 'active'].includes(j.state));
      if (existing) return { id: existing.id, queue: q.name, request, foreign: existing.data?.runId !== base.runId, done: false };
    }
    return undefined;
  };

  return {
    inProcess: false,
    async run(requests, onOutcome) {
      const tracked: Tracked[] = [];
      for (const request of requests) {
        const t = await send(request);
        if (t) tracked.push(t);
        else base.logger.warn({ unit: describeRequest(request) }, 'could not send the job (the same unit kept finishing and reappearing): left for the next run');
      }
      base.logger.info({ jobs: tracked.length, queues: [...new Set(tracked.map((t) => t.queue))] }, 'jobs sent to the workers; waiting for them');
      let stopping = false;
      const started = Date.now();
      let warnedIdle = false;
      const cancelWaiting = async () => {
        const byQueue = new Map<string, string[]>();
        for (const t of tracked) if (!t.done && !t.foreign && (t.state === undefined || t.state === 'created' || t.state === 'retry')) byQueue.set(t.queue, [...(byQueue.get(t.queue) ?? []), t.id]);
        for (const [queue, ids] of byQueue) await boss.cancel(queue, ids);
      };
      while (tracked.some((t) => !t.done)) {
        if (base.signal?.aborted) {
          await cancelWaiting();
          base.logger.info({ running: tracked.filter((t) => !t.done && t.state === 'active').length }, 'stopped waiting: jobs not started were cancelled; those running finish on the workers');
          return { interrupted: true };
        }
        const rows = await readJobs(boss, tracked, base.runId);
        for (const t of tracked) {
          if (t.done) continue;
          const row = rows.get(t.id);
          t.state = row?.state;
          if (!row || row.state === 'cancelled') {
            t.done = true; // cancelled (we stopped it, or an operator did): not attempted
            continue;
          }
          if (row.state !== 'completed' && row.state !== 'failed') continue;
          t.done = true;
          const outcome = t.foreign ? foreignOutcome(t) : row.state === 'completed' ? completedOutcome(t, row.output) : await failedOutcome(base, t, row);
          if (!stopping && onOutcome(outcome, t.request) === 'stop') {
            stopping = true;
            await cancelWaiting();
          }
        }
        if (!warnedIdle && Date.now() - started > IDLE_WARNING_MS && tracked.every((t) => t.state === 'created' || t.state === undefined)) {
          warnedIdle = true;
          base.logger.warn({ waitingJobs: tracked.length }, 'no worker has taken a job of this command yet: is `mluvii-etl worker` running against this database?');
        }
        await sleep(POLL_MS, base.signal);
      }
      return { interrupted: false };
    },
  };
}

/** The current rows of the tracked jobs: this run's by their data (one query a queue), others' by id. */
async function readJobs(boss: PgBoss, tracked: Tracked[], runId: number): Promise<Map<string, JobWithMetadata<UnitJobData>>> {
  const rows = new Map<string, JobWithMetadata<UnitJobData>>();
  const open = tracked.filter((t) => !t.done);
  for (const queue of new Set(open.filter((t) => !t.foreign).map((t) => t.queue))) {
    for (const row of await boss.findJobs<UnitJobData>(queue, { data: { runId }, limit: 100_000 })) rows.set(row.id, row);
  }
  for (const t of open.filter((x) => x.foreign)) for (const row of await boss.findJobs<UnitJobData>(t.queue, { id: t.id })) rows.set(row.id, row);
  return rows;
}

function completedOutcome(t: Tracked, output: unknown): UnitOutcome {
  return readOutcome(output) ?? { kind: t.request.kind, counts: {}, failures: [`${describeRequest(t.request)}: the job finished but its result is unreadable`] };
}

/** Another command's job did this unit: its counts are that command's. */
function foreignOutcome(t: Tracked): UnitOutcome {
  return { kind: t.request.kind, counts: t.request.kind === 'window' ? { windowsSkipped: 1 } : {}, failures: [] };
}

/** pg-boss gave up on the job (its retries ran out): a failure of the command, and a failed window is marked as such. */
async function failedOutcome(base: UnitBase, t: Tracked, row: JobWithMetadata<UnitJobData>): Promise<UnitOutcome> {
  const output = row.output as { message?: unknown } | null;
  const why = `the job failed on the workers after ${row.retryCount + 1} attempt(s): ${typeof output?.message === 'string' ? output.message : describeError(output)}`;
  if (t.request.kind === 'window') {
    await markWindowFailed(base.knex, { from: new Date(t.request.from), to: new Date(t.request.to) }, base.runId, why);
    return { kind: 'window', counts: { windowsFailed: 1 }, failures: [`${describeRequest(t.request)}: ${why}`] };
  }
  return { kind: t.request.kind, counts: {}, failures: [`${describeRequest(t.request)}: ${why}`] };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

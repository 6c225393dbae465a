import type { PgBoss, Queue, QueuePolicy } from 'pg-boss';
import { UsageError } from '../errors.js';
import type { UnitKind, UnitRequest } from '../pipeline/unit-types.js';

/**
 * Every pg-boss queue of mluvii-etl, declared once, here. pg-boss 12 keeps the policy of whoever
 * created a queue first and cannot change it afterwards (updateQueue refuses a policy), so a
 * worker, `migrate` and a `--queue` command all declare the queues from this one constant, and
 * a test reads pgboss.queue to hold the database to it.
 *
 * Every queue is `exclusive`: one job per singletonKey queued or active at a time. A unit's key
 * names its tenant and what it covers (a window: `${tenant}:${from}:${to}`), so the same window
 * is never loaded twice at once and sending it again while it waits is a no-op; windows of other
 * ranges or other tenants run side by side on any worker.
 */

/** The schema of pg-boss's tables in the warehouse's database (created and migrated by pg-boss itself). */
export const JOBS_SCHEMA = 'pgboss';

export interface QueueDeclaration {
  name: string;
  policy: QueuePolicy;
  /** A job whose worker died, or that a stopping worker released, is tried again this many times. */
  retryLimit: number;
  /** Seconds before a job that failed is tried again. */
  retryDelay: number;
}

export const QUEUES = {
  window: { name: 'mluvii-etl.window', policy: 'exclusive', retryLimit: 5, retryDelay: 1 },
  campaigns: { name: 'mluvii-etl.campaigns', policy: 'exclusive', retryLimit: 5, retryDelay: 1 },
  refetch: { name: 'mluvii-etl.refetch', policy: 'exclusive', retryLimit: 5, retryDelay: 1 },
  files: { name: 'mluvii-etl.files', policy: 'exclusive', retryLimit: 5, retryDelay: 1 },
  reprocess: { name: 'mluvii-etl.reprocess', policy: 'exclusive', retryLimit: 5, retryDelay: 1 },
  /** The nightly run of a tenant, as its schedule sends it (schedules.ts): a worker coordinates it. */
  run: { name: 'mluvii-etl.run', policy: 'exclusive', retryLimit: 2, retryDelay: 60 },
} as const satisfies Record<UnitKind | 'run', QueueDeclaration>;

/** A queue exists with another policy than QUEUES gives it (someone created it first): not to be worked as it is. */
export class QueuePolicyError extends UsageError {
  override name = 'QueuePolicyError';
}

/**
 * Creates every queue that does not exist yet, then checks that each one has its policy: a queue
 * that exists keeps its settings (pg-boss's rule), so one created by hand or by another program
 * with another policy would quietly lose the guarantees the keys rely on. Such a queue is named,
 * with what to do, and nothing is worked.
 */
export async function declareQueues(boss: PgBoss): Promise<void> {
  for (const q of Object.values(QUEUES)) {
    // notify: a send wakes the workers at once (they poll besides, for retries).
    const options: Omit<Queue, 'name'> = { policy: q.policy, retryLimit: q.retryLimit, retryDelay: q.retryDelay, notify: true };
    await boss.createQueue(q.name, options);
  }
  const found = new Map((await boss.getQueues(Object.values(QUEUES).map((q) => q.name))).map((q) => [q.name, q.policy]));
  for (const q of Object.values(QUEUES)) {
    if (found.get(q.name) !== q.policy) {
      throw new QueuePolicyError(
        `the job queue ${q.name} exists in schema ${JOBS_SCHEMA} with policy "${found.get(q.name)}", not "${q.policy}" (pg-boss cannot change a queue's policy): stop the workers, delete the queue (it must be empty) and start again`,
      );
    }
  }
}

/** What a unit's job carries: the tenant (every job names one), the run it counts for, the unit. */
export interface UnitJobData {
  tenant: string;
  runId: number;
  request: UnitRequest;
}

/** What a scheduled run's job carries; `until` (an ISO instant) runs it as of then, like `run --until`. */
export interface RunJobData {
  tenant: string;
  until?: string;
}

/**
 * The singleton key of a unit: its tenant and what it covers. Two sends of the same unit share
 * it (the second is dropped while the first waits or runs); different windows never do.
 */
export function unitKey(tenant: string, req: UnitRequest): string {
  switch (req.kind) {
    case 'window':
      return `${tenant}:${req.from}:${req.to}`;
    case 'files':
      return `${tenant}:files:${req.from}:${req.to}`;
    case 'reprocess':
      return `${tenant}:reprocess:${req.after ? `${req.after.created}/${req.after.id}` : 'start'}:${req.upTo ? `${req.upTo.created}/${req.upTo.id}` : 'end'}`;
    default:
      return `${tenant}:${req.kind}`;
  }
}

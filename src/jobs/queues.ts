import type { PgBoss, Queue, QueuePolicy } from 'pg-boss';
import { UsageError } from '../errors.js';
import type { UnitKind, UnitRequest } from '../pipeline/unit-types.js';

/**
 * Every pg-boss queue of mluvii-etl, declared once, here. pg-boss 12 keeps the policy of whoever
 * created a queue first and cannot change it afterwards (updateQueue refuses a policy), so a
 * worker, `migrate` and a `--queue` command all declare the queues from this one constant, and
 * a test reads pgboss.queue to hold the database to it.
 *
 * Every queue of the units (and of the scheduled runs) is `exclusive`: one job per singletonKey
 * queued or active at a time. A unit's key names its tenant and what it covers (a window:
 * `${tenant}:${from}:${to}`), so the same window is never loaded twice at once and sending it
 * again while it waits is a no-op; windows of other ranges or other tenants run side by side on
 * any worker. `session-hint`, where `serve` writes mluvii's webhook calls, is `stately` instead
 * (below).
 */

/** The schema of pg-boss's tables in the warehouse's database (created and migrated by pg-boss itself). */
export const JOBS_SCHEMA = 'pgboss';

export interface QueueDeclaration extends Pick<Queue, 'retryBackoff' | 'expireInSeconds' | 'retentionSeconds' | 'deleteAfterSeconds' | 'warningQueueSize'> {
  name: string;
  policy: QueuePolicy;
  /** A job whose worker died, or that a stopping worker released, is tried again this many times. */
  retryLimit: number;
  /** Seconds before a job that failed is tried again. */
  retryDelay: number;
  /** A send wakes the workers at once (they poll besides, for retries). */
  notify: boolean;
}

export const QUEUES = {
  window: { name: 'mluvii-etl.window', policy: 'exclusive', retryLimit: 5, retryDelay: 1, notify: true },
  campaigns: { name: 'mluvii-etl.campaigns', policy: 'exclusive', retryLimit: 5, retryDelay: 1, notify: true },
  refetch: { name: 'mluvii-etl.refetch', policy: 'exclusive', retryLimit: 5, retryDelay: 1, notify: true },
  files: { name: 'mluvii-etl.files', policy: 'exclusive', retryLimit: 5, retryDelay: 1, notify: true },
  reprocess: { name: 'mluvii-etl.reprocess', policy: 'exclusive', retryLimit: 5, retryDelay: 1, notify: true },
  /** The nightly run of a tenant, as its schedule sends it (schedules.ts): a worker coordinates it. */
  run: { name: 'mluvii-etl.run', policy: 'exclusive', retryLimit: 2, retryDelay: 60, notify: true },
  /**
   * "Session S of tenant T may have changed: load it", one job per accepted webhook call, written
   * by `serve` (serve/webhook-queue.ts; what the job carries: SessionHint there). Every worker
   * takes them, in batches (jobs/session-hint-job.ts), and loads the sessions as a window loads its
   * own, without marking any window done. A hint that keeps failing is given up after its retries
   * and deleted after a day: the nightly run loads the session anyway.
   *
   * Debounce per session: the policy is `stately` (at most one job per state per singletonKey),
   * every job is keyed `${tenant}:${sessionId}` (sessionHintKey) and starts MLUVII_WEBHOOK_DEBOUNCE
   * after it was sent (a follow-up event's job later, at a lower priority: hintTiming in
   * serve/webhook-queue.ts). Events for a session whose job is still waiting join that job (the insert
   * is skipped: the event is kept, by the job already there), so ten events of one session within
   * the wait become one load, which runs after the last of them. An event that arrives while its
   * session is being loaded queues one more job, which waits for the running one (one active job
   * per key): nothing that happened after a load started is missed.
   *
   * Why not `singletonSeconds` (throttling by time slot): its slots are cut on the clock's minute,
   * so a burst across a boundary becomes two jobs at random, and its uniqueness counts completed
   * jobs, so an event that arrives after its slot's job already ran is dropped: a session that
   * ends in the minute it was created would not be loaded until the night.
   */
  sessionHint: {
    name: 'session-hint',
    policy: 'stately',
    // A load of one session takes seconds; a job held longer than this is taken as dead and retried.
    expireInSeconds: 300,
    retryLimit: 3,
    retryDelay: 30,
    retryBackoff: true,
    // Hints older than a day are the nightly load's to repair: no use keeping them waiting or done.
    retentionSeconds: 86_400,
    deleteAfterSeconds: 86_400,
    warningQueueSize: 50_000,
    // Each job starts after the debounce anyway: a NOTIFY per call would wake nobody usefully.
    notify: false,
  },
} as const satisfies Record<UnitKind | 'run' | 'sessionHint', QueueDeclaration>;

/** The one key a session's hints share (debounce, and one load at a time). */
export const sessionHintKey = (tenant: string, sessionId: number): string => `${tenant}:${sessionId}`;

/** A queue exists with another policy than QUEUES gives it (someone created it first): not to be worked as it is. */
export class QueuePolicyError extends UsageError {
  override name = 'QueuePolicyError';
}

/**
 * Creates every queue (of `queues`: all of them unless a process needs only some) that does not
 * exist yet, then checks that each one has its policy: a queue that exists keeps its settings
 * (pg-boss's rule), so one created by hand or by another program with another policy would
 * quietly lose the guarantees the keys rely on. Such a queue is named, with what to do, and
 * nothing is worked. Idempotent: any number of processes may declare at once.
 */
export async function declareQueues(boss: PgBoss, queues: readonly QueueDeclaration[] = Object.values(QUEUES)): Promise<void> {
  for (const { name, ...options } of queues) {
    const queue: Omit<Queue, 'name'> = options;
    await boss.createQueue(name, queue);
  }
  const found = new Map((await boss.getQueues(queues.map((q) => q.name))).map((q) => [q.name, q.policy]));
  for (const q of queues) {
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

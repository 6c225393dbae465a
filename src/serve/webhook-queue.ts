/**
 * The job queue accepted webhook events go to (pg-boss, in the warehouse's Postgres), and the sink
 * that writes them. Each job says "session S of tenant T may have changed: load it"; the worker
 * that loads it is not here.
 *
 * Debounce per session: the queue's policy is `stately` (at most one job per state per
 * singletonKey) and every job is keyed `${tenant}:${sessionId}` and starts MLUVII_WEBHOOK_DEBOUNCE
 * after it was sent. Events for a session whose job is still waiting join that job (send answers
 * null: the event is kept, by the job already there), so ten events of one session within the
 * wait become one load, which runs after the last of them. An event that arrives while its
 * session is being loaded queues one more job, which waits for the running one (one active job
 * per key): nothing that happened after a load started is missed.
 *
 * Why not `singletonSeconds` (throttling by time slot): its slots are cut on the clock's minute,
 * so a burst across a boundary becomes two jobs at random, and its uniqueness counts completed
 * jobs, so an event that arrives after its slot's job already ran is dropped: a session that ends
 * in the minute it was created would not be loaded until the night.
 *
 * The queue is declared here, once, from SESSION_HINT_QUEUE; pg-boss keeps the policy of whoever
 * creates a queue first, so `declareSessionHintQueue` reads it back and refuses another.
 */
import { PgBoss } from 'pg-boss';
import type { Logger } from '../log.js';
import type { WebhookEvent } from './webhook-event.js';
import type { WebhookSink } from './webhook-sink.js';

/** pg-boss's schema in the warehouse's database. */
export const PGBOSS_SCHEMA = 'pgboss';

export const SESSION_HINT_QUEUE = {
  name: 'session-hint',
  options: {
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
  },
} as const;

/** What a job carries: enough to load the session and to say why. */
export interface SessionHint {
  tenant: string;
  sessionId: number;
  /** The event that queued the job (later events of its wait join it unseen). */
  eventType: string;
  receivedAt: string;
}

/** The one key a session's jobs share (debounce, and one load at a time). */
export const sessionHintKey = (tenant: string, sessionId: number): string => `${tenant}:${sessionId}`;

/** Creates the queue if it does not exist, and checks that the one that does has our policy. */
export async function declareSessionHintQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(SESSION_HINT_QUEUE.name, { ...SESSION_HINT_QUEUE.options });
  const queue = await boss.getQueue(SESSION_HINT_QUEUE.name);
  if (queue?.policy !== SESSION_HINT_QUEUE.options.policy) {
    throw new Error(
      `the job queue ${SESSION_HINT_QUEUE.name} exists with policy ${String(queue?.policy)}, not ${SESSION_HINT_QUEUE.options.policy}: pg-boss cannot change it; delete the queue while it is empty (it is declared again at the next start)`,
    );
  }
}

/** Events written in one statement at most. */
const MAX_BATCH = 500;

/**
 * Writes accepted events to the queue, grouped: while one insert is in flight, the events that
 * arrive wait and go together in the next one (one statement, one round trip), so a burst of
 * calls costs a few inserts, not one each; a quiet server writes each event at once. Each
 * `accept` resolves when the insert holding its event committed.
 */
export class WebhookQueueSink implements WebhookSink {
  private pending: Array<{ hint: SessionHint; done: (err?: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly debounceSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  accept(tenant: string, event: WebhookEvent): Promise<void> {
    const hint: SessionHint = { tenant, sessionId: event.sessionId, eventType: event.eventType, receivedAt: this.now().toISOString() };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ hint, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    while (this.pending.length) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        // A job of the same session waiting already (or one earlier in this batch) makes a row a
        // conflict that is skipped: the event is kept by that job.
        await this.boss.insert(
          SESSION_HINT_QUEUE.name,
          batch.map(({ hint }) => ({ data: hint, singletonKey: sessionHintKey(hint.tenant, hint.sessionId), startAfter: this.debounceSeconds })),
        );
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err ?? new Error('the insert failed'));
      }
    }
    this.writing = false;
  }
}

/** A started pg-boss that only sends (no supervision, no schedules, no workers), with the queue declared. */
export async function openWebhookQueue(databaseUrl: string, logger: Logger, opts: { debounceMs: number; poolSize?: number }): Promise<{ sink: WebhookQueueSink; stop(): Promise<void> }> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: PGBOSS_SCHEMA,
    application_name: 'mluvii-etl serve',
    max: opts.poolSize ?? 10,
    supervise: false,
    schedule: false,
  });
  // Unhandled, an 'error' event would end the process; the failing send rejects on its own.
  boss.on('error', (err: Error) => logger.warn({ err: { type: err.name, message: err.message } }, 'job queue error'));
  await boss.start();
  try {
    await declareSessionHintQueue(boss);
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw err;
  }
  return { sink: new WebhookQueueSink(boss, Math.round(opts.debounceMs / 1000)), stop: () => boss.stop({ graceful: true, timeout: 10_000 }) };
}

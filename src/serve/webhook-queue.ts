/**
 * The job queue accepted webhook events go to (pg-boss, in the warehouse's Postgres), and the sink
 * that writes them. Each job says "session S of tenant T may have changed: load it"; the worker
 * that loads it is not here. The queue is declared with every other one in src/jobs/queues.ts
 * (QUEUES.sessionHint: its `stately` policy, the debounce, and why), and `migrate` creates it with
 * pg-boss's schema; serve declares it again at start, so it also runs on a warehouse whose queues
 * nobody prepared yet (pg-boss's own lock makes two processes creating its schema take turns).
 */
import { PgBoss } from 'pg-boss';
import { declareQueues, JOBS_SCHEMA, QUEUES, sessionHintKey } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { WebhookEvent } from './webhook-event.js';
import type { WebhookSink } from './webhook-sink.js';

/** What a job carries: enough to load the session and to say why. */
export interface SessionHint {
  tenant: string;
  sessionId: number;
  /** The event that queued the job (later events of its wait join it unseen). */
  eventType: string;
  receivedAt: string;
}

/** Events written in one statement at most. */
const MAX_BATCH = 500;

/**
 * Events that come after a session ended (its operators' conclusions, its recordings processed),
 * mostly a few seconds to minutes after the end: the session is in the warehouse already (its
 * SessionEnded loaded it), these only complete it.
 */
const FOLLOW_UP_EVENTS = new Set(['SessionOperatorConcluded', 'SessionRecordingPostProcessingCompleted']);
/** A follow-up's job waits this many times the debounce, so that a session's follow-ups (and a second operator's) make one load. */
export const FOLLOW_UP_WAIT_FACTOR = 6;

/**
 * When a hint's job starts, and which jobs a busy worker takes first. A session's first appearance
 * (SessionEnded, or any other event) waits the debounce and goes first (priority 1); a follow-up
 * waits FOLLOW_UP_WAIT_FACTOR times longer at priority 0: a load of a session costs API requests,
 * and at the rate limit the new sessions of today must not queue behind completions of sessions
 * already shown. (A job keeps the timing of the event that created it: events that join it wait with it.)
 */
export function hintTiming(eventType: string, debounceSeconds: number): { startAfter: number; priority: number } {
  return FOLLOW_UP_EVENTS.has(eventType) ? { startAfter: debounceSeconds * FOLLOW_UP_WAIT_FACTOR, priority: 0 } : { startAfter: debounceSeconds, priority: 1 };
}

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
          QUEUES.sessionHint.name,
          batch.map(({ hint }) => ({ data: hint, singletonKey: sessionHintKey(hint.tenant, hint.sessionId), ...hintTiming(hint.eventType, this.debounceSeconds) })),
        );
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err ?? new Error('the insert failed'));
      }
    }
    this.writing = false;
  }
}

/**
 * A started pg-boss that only sends (no supervision, no schedules, no workers), with its queue
 * declared: created when missing, refused (naming it) when someone created it with another policy.
 */
export async function openWebhookQueue(databaseUrl: string, logger: Logger, opts: { debounceMs: number; poolSize?: number }): Promise<{ sink: WebhookQueueSink; stop(): Promise<void> }> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    application_name: 'mluvii-etl serve',
    max: opts.poolSize ?? 10,
    supervise: false,
    schedule: false,
  });
  // Unhandled, an 'error' event would end the process; the failing send rejects on its own.
  boss.on('error', (err: Error) => logger.warn({ err: { type: err.name, message: err.message } }, 'job queue error'));
  await boss.start();
  try {
    await declareQueues(boss, [QUEUES.sessionHint]);
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw err;
  }
  return { sink: new WebhookQueueSink(boss, Math.round(opts.debounceMs / 1000)), stop: () => boss.stop({ graceful: true, timeout: 10_000 }) };
}

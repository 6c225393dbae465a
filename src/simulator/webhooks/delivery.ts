/**
 * Sends the webhook events of the simulated contact center to the registered callbacks, as
 * mluvii does: one event per POST, a failed delivery (no 2xx, no answer) retried twice and then
 * dropped. The misbehaviour switches make it the unreliable messenger mluvii's FAQ describes:
 * events dropped, sent twice, or late (after events that happened after them). Every such draw is
 * fixed per seed and event, so a run can be repeated.
 *
 * Time is the simulator's clock. `deliverUpTo(instant)` sends, in order of delivery, every event
 * due in (the last instant delivered up to, instant] and resolves when each has been answered or
 * given up: tests move the clock with setNow and then deliver, never waiting on the real clock.
 * `startLive` does the same on a timer, following the clock, for the demo and benchmarks.
 */
import { HOUR_MS, hourOf } from '../contact-center/hour-bucket.js';
import type { SessionDraft } from '../contact-center/session-draft.js';
import type { SessionStore } from '../http/session-store.js';
import type { Misbehaviour } from '../misbehaviour.js';
import { mixSeed, Rng } from '../random.js';
import { envelopeOf, firstAtOrAfter, LONGEST_STORY_MS, SIMULATED_EVENT_TYPES, storyEvents, type StoryEvent } from './events.js';
import type { WebhookRegistration, WebhookRegistry } from './registry.js';

/** Attempts per delivery: the first and mluvii's two retries. */
export const DELIVERY_ATTEMPTS = 3;
const LATE_MAX_S = 120;
const COPY_MAX_S = 60;
/** How far after its event a delivery may come (a late event's copy): events this much older are still looked at. */
const SHIFT_MAX_MS = (LATE_MAX_S + COPY_MAX_S) * 1000;
const SALTS = { drop: 0xd409, copy: 0xc097, late: 0x1a7e } as const;

export interface DeliveryReport {
  /** Events that happened and were due to a callback in the interval (copies not counted). */
  events: number;
  /** POSTs sent, retries included. */
  attempts: number;
  /** Deliveries a callback answered with a 2xx. */
  delivered: number;
  /** Deliveries given up after DELIVERY_ATTEMPTS attempts (mluvii drops them). */
  failed: number;
  /** Events the drop switch kept from being sent. */
  dropped: number;
  /** Extra copies sent by the duplicate switch. */
  duplicated: number;
  /** Events the reorder switch sent late. */
  late: number;
}

export interface WebhookDeliveryOptions {
  seed: number;
  sessions: SessionStore;
  registry: WebhookRegistry;
  misbehaviour: () => Misbehaviour;
  /** The simulator's clock, ms. */
  nowMs: () => number;
  /** Per attempt; default 5000. */
  timeoutMs?: number;
}

interface Due {
  at: number;
  event: StoryEvent;
  copy: boolean;
}

const emptyReport = (): DeliveryReport => ({ events: 0, attempts: 0, delivered: 0, failed: 0, dropped: 0, duplicated: 0, late: 0 });

export class WebhookDelivery {
  private deliveredUpTo: number;
  private readonly eventsOf = new WeakMap<readonly SessionDraft[], StoryEvent[]>();
  private readonly totals = emptyReport();
  private liveTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: WebhookDeliveryOptions) {
    this.deliveredUpTo = opts.nowMs();
  }

  /** Every delivery so far, added up. */
  report(): DeliveryReport {
    return { ...this.totals };
  }

  /** Sends every event due up to `instant` (the simulator's time); one call at a time (later calls wait for earlier ones). */
  deliverUpTo(instant: Date): Promise<DeliveryReport> {
    const run = this.inFlight.then(() => this.deliver(instant.getTime()));
    this.inFlight = run.catch(() => undefined);
    return run;
  }

  /** Delivers on a timer, up to the simulator's clock each time. */
  startLive(intervalMs = 1000): void {
    if (this.liveTimer) return;
    let busy = false;
    this.liveTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.deliverUpTo(new Date(this.opts.nowMs())).finally(() => (busy = false));
    }, intervalMs);
    this.liveTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.liveTimer);
    this.liveTimer = undefined;
    await this.inFlight;
  }

  private async deliver(untilMs: number): Promise<DeliveryReport> {
    const report = emptyReport();
    const fromMs = this.deliveredUpTo;
    if (untilMs <= fromMs) return report;
    this.deliveredUpTo = untilMs;
    const hooks = this.opts.registry.list();
    if (!hooks.length) return report;
    const due = this.dueBetween(fromMs, untilMs, hooks, report);
    for (const d of due) {
      for (const hook of hooks) {
        // What happened before the callback was registered is never sent, however late its delivery.
        if (d.event.t <= hook.since * 1000 || !hook.eventTypes.includes(d.event.type)) continue;
        if (!d.copy) report.events += 1;
        if (await this.send(hook, d.event, report)) report.delivered += 1;
        else report.failed += 1;
      }
    }
    for (const k of Object.keys(report) as Array<keyof DeliveryReport>) this.totals[k] += report[k];
    return report;
  }

  /** The deliveries due in (fromMs, untilMs], in the order they are sent. */
  private dueBetween(fromMs: number, untilMs: number, hooks: WebhookRegistration[], report: DeliveryReport): Due[] {
    const m = this.opts.misbehaviour();
    const wanted = new Set(hooks.flatMap((h) => h.eventTypes));
    const due: Due[] = [];
    const inWindow = (at: number) => at > fromMs * 1000 && at <= untilMs * 1000;
    const oldest = (fromMs - SHIFT_MAX_MS) * 1000;
    for (let h = hourOf(fromMs - SHIFT_MAX_MS - LONGEST_STORY_MS); h * HOUR_MS <= untilMs; h++) {
      const events = this.bucketEvents(h);
      for (let i = firstAtOrAfter(events, oldest); i < events.length && events[i].t <= untilMs * 1000; i++) {
        const e = events[i];
        if (!wanted.has(e.type)) continue;
        const dropped = this.draw(e, 'drop').next() < (m.webhookDropRate ?? 0);
        const lateDraw = this.draw(e, 'late');
        const late = lateDraw.next() < (m.webhookReorderRate ?? 0);
        const at = e.t + (late ? Math.round(lateDraw.between(5, LATE_MAX_S) * 1e6) : 0);
        if (inWindow(at)) {
          if (dropped) {
            report.dropped += 1;
            continue;
          }
          if (late) report.late += 1;
          due.push({ at, event: e, copy: false });
        }
        const copyDraw = this.draw(e, 'copy');
        if (!dropped && copyDraw.next() < (m.webhookDuplicateRate ?? 0)) {
          const copyAt = at + Math.round(copyDraw.between(0, COPY_MAX_S) * 1e6);
          if (inWindow(copyAt)) {
            report.duplicated += 1;
            due.push({ at: copyAt, event: e, copy: true });
          }
        }
      }
    }
    // Stable: same instant → the order the events happened in.
    return due.sort((a, b) => a.at - b.at);
  }

  private bucketEvents(hour: number): StoryEvent[] {
    const drafts = this.opts.sessions.bucket(hour);
    let events = this.eventsOf.get(drafts);
    if (!events) {
      events = storyEvents(drafts);
      this.eventsOf.set(drafts, events);
    }
    return events;
  }

  /** A fixed draw per seed, event and switch. */
  private draw(e: StoryEvent, which: keyof typeof SALTS): Rng {
    return new Rng(mixSeed(this.opts.seed, e.draft.id, SIMULATED_EVENT_TYPES.indexOf(e.type), e.index, SALTS[which]));
  }

  /** One delivery: up to DELIVERY_ATTEMPTS POSTs until one is answered 2xx. */
  private async send(hook: WebhookRegistration, e: StoryEvent, report: DeliveryReport): Promise<boolean> {
    const body = JSON.stringify(envelopeOf(e));
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
      report.attempts += 1;
      try {
        const res = await fetch(hook.callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'mluvii-webhooks (simulated)' },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return true;
      } catch {
        // no answer: retried like an error status
      }
    }
    return false;
  }
}

/**
 * One limiter for every request the client sends: at most `rps` request starts in any
 * rolling second and at most `concurrency` in flight. Retries pass through it like first attempts.
 *
 * Starts are scheduled against an absolute clock: start k is due at t0 + k·1000/rps. A timer that
 * fires late (a busy event loop, another process on the core) makes the next starts due at once,
 * so lateness is caught up instead of lost for good, as it was with relative "wait 1000/rps after
 * the last start" timers (0.78 R on a loaded machine). Catching up is bounded twice: never more
 * than `rps` starts in any rolling second (plus a guard of GUARD_MS, so a few ms of
 * network jitter do not push the server's own rolling second over), and never more than
 * MAX_LAG_MS of schedule owed (after an idle spell or a long stall, the schedule restarts from
 * now instead of bursting).
 *
 * The clock is injectable, so the guarantees are tested without wall-clock time.
 */

import type { AdaptiveRate } from './adaptive-rate.js';

/** What the limiter needs from time: an instant in ms and a one-shot timer. */
export interface LimiterClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: LimiterClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RateLimiterOptions {
  rps: number;
  concurrency: number;
  clock?: LimiterClock;
  /** MLUVII_RPS=auto: sets the rate from the answers (`rps` is then ignored). */
  adaptive?: AdaptiveRate;
}

/** At most this much schedule is owed: catching up never bursts more than rps × MAX_LAG_MS / 1000 starts. */
export const MAX_LAG_MS = 250;

/** Added to the rolling window: a start waits this much longer than the server's second, for network jitter. */
export const GUARD_MS = 10;
/** Each 429 at a fixed rate widens the guard by this much, up to MAX_GUARD_MS: the server saw our starts closer than we did. */
export const GUARD_STEP_MS = 10;
export const MAX_GUARD_MS = 40;

export class RateLimiter {
  private readonly clock: LimiterClock;
  private readonly concurrency: number;
  private readonly adaptive: AdaptiveRate | undefined;
  private readonly waitingTasks: Array<(start: { at: number }) => void> = [];
  private active = 0;
  /** Instant the next start is due (the absolute schedule). */
  private nextDue = -Infinity;
  /** Start instants within the last rolling window, oldest first (moved later when a request is known to have left later). */
  private readonly starts: Array<{ at: number }> = [];
  private spacingMs = 0;
  private windowCount = 1;
  private windowMs = 1000;
  private rate = 0;
  private guardMs = GUARD_MS;
  private holdUntil = -Infinity;
  private timer: unknown;
  private timerAt = Infinity;
  /** Starts so far (for tests and figures). */
  startCount = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) throw new RangeError(`concurrency must be a whole number from 1, got ${opts.concurrency}`);
    this.clock = opts.clock ?? systemClock;
    this.concurrency = opts.concurrency;
    this.adaptive = opts.adaptive;
    this.setRate(opts.adaptive ? opts.adaptive.rps : opts.rps);
    this.nextDue = this.clock.now();
  }

  /** Request starts per second now in force. */
  get rps(): number {
    return this.rate;
  }

  /**
   * Changes the rate (the adaptive controller does, after answers). The schedule continues from
   * the last start at the new spacing; the rolling-second bound follows the new rate at once.
   */
  setRate(rps: number): void {
    if (!(rps > 0) || !Number.isFinite(rps)) throw new RangeError(`rps must be positive, got ${rps}`);
    const oldSpacing = this.spacingMs;
    this.rate = rps;
    this.spacingMs = 1000 / rps;
    // A whole number of starts per window of at least a second: for rps 2.5, 3 per 1.2 s.
    this.windowCount = Math.max(1, Math.ceil(rps - 1e-9));
    this.windowMs = (this.windowCount * 1000) / rps + this.guardMs;
    if (Number.isFinite(this.nextDue) && oldSpacing > 0) this.nextDue += this.spacingMs - oldSpacing;
    this.pump();
  }

  /**
   * How the server answered a request (with MLUVII_RPS=auto the rate follows): `throttled` for a
   * 429 or a Retry-After, `ok` for any other answer. Without a controller this does nothing.
   */
  answered(answer: 'ok' | 'throttled'): void {
    if (!this.adaptive) {
      // A fixed rate: the starts were spaced right by our clock, so the server's clock saw them
      // closer (jitter on the way): keep a wider margin from now on. A 429 costs a whole
      // Retry-After of every request; 10 ms more margin costs 1 % of the rate.
      if (answer === 'throttled' && this.guardMs < MAX_GUARD_MS) {
        this.guardMs = Math.min(MAX_GUARD_MS, this.guardMs + GUARD_STEP_MS);
        this.setRate(this.rate);
      }
      return;
    }
    const now = this.clock.now();
    const next = answer === 'ok' ? this.adaptive.succeeded(now) : this.adaptive.throttled(now);
    if (next !== this.rate) this.setRate(next);
  }

  /** With MLUVII_RPS=auto, the limit found so far (see AdaptiveRate.settledRps). */
  get settledRps(): number | undefined {
    return this.adaptive?.settledRps;
  }

  /**
   * Runs `task` when the rate and concurrency allow; `task` is one request attempt. It may call
   * `leftAfter(ms)` with how long after its start the request actually left (the event loop was
   * busy in between): the rolling second then counts from then, since that is what the server sees.
   */
  run<T>(task: (leftAfter: (ms: number) => void) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waitingTasks.push((start) => {
        this.active += 1;
        let p: Promise<T>;
        const leftAfter = (ms: number) => {
          if (!(ms > 0)) return;
          start.at = Math.max(start.at, start.at + ms);
          this.starts.sort((a, b) => a.at - b.at);
        };
        try {
          p = task(leftAfter);
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(resolve, reject).finally(() => {
          this.active -= 1;
          this.pump();
        });
      });
      this.pump();
    });
  }

  /**
   * The server asked everyone to wait (429/503 with Retry-After): start nothing new for `ms`.
   * Requests in flight finish; a longer hold extends a shorter one. Afterwards the schedule
   * restarts from the end of the hold (nothing is owed for the time held).
   */
  holdFor(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.holdUntil) return;
    this.holdUntil = until;
    this.nextDue = Math.max(this.nextDue, until);
    this.pump();
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.waitingTasks.length;
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Starts every waiting task that is due now; arms one timer for the next one. */
  private pump(): void {
    while (this.waitingTasks.length > 0 && this.active < this.concurrency) {
      const now = this.clock.now();
      const at = this.earliestStart(now);
      if (at > now) {
        this.arm(at, now);
        return;
      }
      const start = { at: now };
      this.starts.push(start);
      this.startCount += 1;
      this.adaptive?.sent(now);
      this.nextDue = Math.max(this.nextDue, now - MAX_LAG_MS) + this.spacingMs;
      this.waitingTasks.shift()!(start);
    }
  }

  /** The earliest instant the next start is allowed: schedule, rolling window, hold. */
  private earliestStart(now: number): number {
    while (this.starts.length > 0 && this.starts[0].at <= now - this.windowMs) this.starts.shift();
    // Idle or stalled for long: the owed schedule is forgiven down to MAX_LAG_MS.
    const due = Math.max(this.nextDue, now - MAX_LAG_MS);
    const windowFree = this.starts.length >= this.windowCount ? this.starts[this.starts.length - this.windowCount].at + this.windowMs : -Infinity;
    return Math.max(due, windowFree, this.holdUntil);
  }

  private arm(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    // Not unref'd: requests waiting for their turn are what keeps the process alive meanwhile.
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }
}

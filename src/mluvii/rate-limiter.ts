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
 * With a shared budget (shared-budget.ts: every process calling the tenant's API draws from
 * it), the starts are the budget's instead: the schedule across all processes, claimed a few at
 * a time (shared-slots.ts); a hold is passed on so every process waits, and with auto the rate is
 * the tenant's one learned rate. Without one, or while it cannot be reached, the limiter paces
 * alone as above.
 *
 * The clock is injectable, so the guarantees are tested without wall-clock time.
 */

import { COOLDOWN_MS, type AdaptiveRate } from './adaptive-rate.js';
import type { SharedBudget } from './shared-budget.js';
import { SharedSlots, type LocalClaim } from './shared-slots.js';

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
  /** The tenant's budget shared with other processes (none: this process paces alone). */
  shared?: SharedBudget;
  /** The shared budget failed (it is asked again later; meanwhile this process paces alone). */
  onSharedError?: (err: unknown) => void;
}

/** At most this much schedule is owed: catching up never bursts more than rps × MAX_LAG_MS / 1000 starts. */
export const MAX_LAG_MS = 250;

/** Added to the rolling window: a start waits this much longer than the server's second, for network jitter. */
export const GUARD_MS = 10;
/** Each 429 at a fixed rate widens the guard by this much, up to MAX_GUARD_MS: the server saw our starts closer than we did. */
export const GUARD_STEP_MS = 10;
export const MAX_GUARD_MS = 40;

/** A request's start: when it left (moved later once known), and its instant in the shared schedule. */
interface Start {
  at: number;
  slot?: number;
  /** How much the shared schedule was delayed for this start's lateness so far. */
  delayedMs?: number;
}

export class RateLimiter {
  private readonly clock: LimiterClock;
  private readonly concurrency: number;
  private readonly adaptive: AdaptiveRate | undefined;
  private readonly waitingTasks: Array<(start: Start) => void> = [];
  private active = 0;
  /** Instant the next start is due (the absolute schedule). */
  private nextDue = -Infinity;
  /** Start instants within the last rolling window, oldest first (moved later when a request is known to have left later). */
  private readonly starts: Start[] = [];
  private spacingMs = 0;
  private windowCount = 1;
  private windowMs = 1000;
  private rate = 0;
  private guardMs = GUARD_MS;
  private holdUntil = -Infinity;
  private timer: unknown;
  private timerAt = Infinity;
  private shared: SharedBudget | undefined;
  private slots: SharedSlots | undefined;
  private onSharedError: (err: unknown) => void = () => undefined;
  /**
   * MLUVII_RPS=auto with a shared budget: the number of the tenant's latest cut this process
   * follows; -1 until the first claim answered, so a process joining never writes its starting
   * rate over the one the tenant learned.
   */
  private knownCuts = -1;
  /** Starts so far (for tests and figures). */
  startCount = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) throw new RangeError(`concurrency must be a whole number from 1, got ${opts.concurrency}`);
    this.clock = opts.clock ?? systemClock;
    this.concurrency = opts.concurrency;
    this.adaptive = opts.adaptive;
    this.setRate(opts.adaptive ? opts.adaptive.rps : opts.rps);
    this.nextDue = this.clock.now();
    if (opts.shared) this.share(opts.shared, opts.onSharedError);
  }

  /**
   * From now on, draws every start from `budget`, shared with the other processes of the tenant
   * (a command's client gets it once its warehouse connection is open). `onError`: the budget
   * failed, and this process paces alone for a while.
   */
  share(budget: SharedBudget, onError: (err: unknown) => void = () => undefined): void {
    if (this.shared === budget) return;
    this.shared = budget;
    this.onSharedError = onError;
    this.knownCuts = -1;
    this.slots = new SharedSlots({
      budget,
      now: () => this.clock.now(),
      onClaim: (c) => this.claimed(c),
      onError: (err) => this.onSharedError(err),
      wake: () => this.pump(),
    });
    this.pump();
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
    const cutsBefore = this.adaptive.throttles;
    const next = answer === 'ok' ? this.adaptive.succeeded(now) : this.adaptive.throttled(now);
    if (next !== this.rate) this.setRate(next);
    // This process cut the learned rate: every process of the tenant follows (unless one cut already).
    const wMax = this.adaptive.plateau;
    if (this.shared && this.adaptive.throttles > cutsBefore && wMax !== undefined) {
      this.shared.cut({ rate: next, wMax, cooldownMs: COOLDOWN_MS }).catch((err: unknown) => this.onSharedError(err));
    }
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
          // It left later than its turn in the shared schedule: every process's next starts move on.
          if (start.slot !== undefined) start.delayedMs = this.slots?.left(start.slot, start.at, start.delayedMs ?? 0);
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
    // The server spoke to the tenant, not to this process: every process of the tenant waits.
    this.shared?.pause(ms).catch((err: unknown) => this.onSharedError(err));
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
      const sharing = this.slots !== undefined && this.slots.active(now);
      let at: number;
      if (sharing) {
        // The shared schedule spaces the starts across processes. Ours to add: a hold, and the
        // rolling second of our own starts as they actually left (one of ours that left late must
        // not close on our start a second later: that one waits).
        const want = Math.min(this.waitingTasks.length, this.concurrency - this.active);
        const slot = this.slots!.next(now, want, { rate: this.rate, guardMs: this.guardMs, knownCuts: this.adaptive ? this.knownCuts : undefined });
        if (slot === undefined) return; // a claim is under way; it pumps when it answers
        at = Math.max(slot, this.holdUntil, this.windowFree(now));
      } else at = this.earliestStart(now);
      if (at > now) {
        this.arm(at, now);
        return;
      }
      const start: Start = { at: now };
      if (sharing) {
        // Late already (a timer fired late): the schedule moves on at once, not when the answer comes.
        start.slot = this.slots!.take();
        start.delayedMs = this.slots!.left(start.slot, now, 0);
      }
      this.starts.push(start);
      this.startCount += 1;
      this.adaptive?.sent(now);
      this.nextDue = Math.max(this.nextDue, now - MAX_LAG_MS) + this.spacingMs;
      this.waitingTasks.shift()!(start);
    }
  }

  /** A claim answered: the tenant's pause, and with auto its learned rate, hold here too. */
  private claimed(c: LocalClaim): void {
    if (c.pausedUntil > this.holdUntil) {
      this.holdUntil = c.pausedUntil;
      this.nextDue = Math.max(this.nextDue, c.pausedUntil);
    }
    if (!this.adaptive) return;
    const newCut = c.cuts !== this.knownCuts ? c.cut : undefined;
    this.knownCuts = c.cuts;
    this.adaptive.follow(this.clock.now(), { rps: c.rate, busy: c.busy, alone: c.alone, cut: newCut });
    if (this.adaptive.rps !== this.rate) this.setRate(this.adaptive.rps);
  }

  /** The earliest instant the next start is allowed: schedule, rolling window, hold. */
  private earliestStart(now: number): number {
    // Idle or stalled for long: the owed schedule is forgiven down to MAX_LAG_MS.
    const due = Math.max(this.nextDue, now - MAX_LAG_MS);
    return Math.max(due, this.windowFree(now), this.holdUntil);
  }

  /** When the rolling window of our own starts has room for one more. */
  private windowFree(now: number): number {
    while (this.starts.length > 0 && this.starts[0].at <= now - this.windowMs) this.starts.shift();
    return this.starts.length >= this.windowCount ? this.starts[this.starts.length - this.windowCount].at + this.windowMs : -Infinity;
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

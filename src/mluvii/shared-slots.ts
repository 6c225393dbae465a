/**
 * The start instants this process holds from a shared budget (shared-budget.ts), on the limiter's
 * clock. Claimed a few at a time (BATCH_S of the rate: one round trip to the budget serves
 * several requests, and a process never sits on starts others could use) and only a little ahead
 * (AHEAD_MS), each used once, in order.
 *
 * The schedule keeps every start `spacing` after the one before across all processes, and the
 * server's rolling second holds as long as no request leaves later after its instant than the
 * guard the spacing adds. One that leaves late (a timer fired late on a busy machine, a token
 * fetched first) would close on the start a rate's worth after it, handed to any process: a 429,
 * which stops every request for its Retry-After. So a request that left more than LATE_MS late
 * moves the tenant's schedule on by its lateness (`delay`): starts not yet handed out, and a
 * second's worth are not, come that much later. A process alone on the budget (no other has
 * claimed for ALONE_AFTER_MS) does not: every start a second later is its own, and its limiter's
 * rolling second of starts as they left already keeps those apart. A start more than STALE_MS
 * late (the process stalled) is dropped instead: moving everyone's schedule that far costs more.
 */
import { randomUUID } from 'node:crypto';
import type { BudgetClaim, SharedBudget } from './shared-budget.js';

/** Starts claimed per round trip: this many seconds of the rate (at least one). */
export const BATCH_S = 0.1;
/** More are claimed only while the last start held is due within this. */
export const AHEAD_MS = 150;
/** A request that left this much later than its start instant delays the tenant's schedule (a fifth of the limiter's GUARD_MS: what is left of the guard is for the network and the server). */
export const LATE_MS = 2;
/** A start this late is dropped rather than taken. */
export const STALE_MS = 250;
/** No claim by another process for this long: this one is alone on the budget. */
export const ALONE_AFTER_MS = 2000;
/** After the budget could not be reached, the limiter paces alone this long before it asks again. */
export const BUDGET_RETRY_MS = 5000;

export interface SharedSlotsOptions {
  budget: SharedBudget;
  now: () => number;
  /** Called with each claim's answer mapped onto the local clock (rate, pause, cut). */
  onClaim: (claim: LocalClaim) => void;
  /** The budget could not be reached or refused: the limiter paces alone for BUDGET_RETRY_MS. */
  onError: (err: unknown) => void;
  /** Claims answered or failed: the limiter looks again. */
  wake: () => void;
}

/** A claim's answer with its instants on the local clock. */
export interface LocalClaim {
  rate: number;
  pausedUntil: number;
  cuts: number;
  cut?: { at: number; wMax: number };
  /** Other processes' starts (or ours) were due at or after now: the tenant uses the whole rate. */
  busy: boolean;
  /** No other process claimed lately. */
  alone: boolean;
}

export class SharedSlots {
  private readonly slots: number[] = [];
  private claiming = false;
  private offUntil = -Infinity;
  private readonly claimer = randomUUID();
  /** Another process claimed lately (as of the last claim): a request that left late delays the schedule. */
  private sharedLately = false;
  /** Starts dropped as stale, and requests that left late and delayed the schedule (for tests and figures). */
  dropped = 0;
  delayed = 0;

  constructor(private readonly opts: SharedSlotsOptions) {}

  /** Whether the budget is in use now (false for BUDGET_RETRY_MS after a failure). */
  active(now: number): boolean {
    return now >= this.offUntil;
  }

  /**
   * The instant of the next start held, after dropping stale ones; undefined when none is held (a
   * claim for `want` more is then under way, and `wake` is called when it answers).
   */
  next(now: number, want: number, request: { rate: number; guardMs: number; knownCuts?: number }): number | undefined {
    while (this.slots.length > 0 && this.slots[0] < now - STALE_MS) {
      this.slots.shift();
      this.dropped += 1;
    }
    // Claimed only a little ahead: a second's worth of the schedule is then never handed out yet,
    // so a delay for a late request reaches every start a second after it.
    const last = this.slots.length > 0 ? this.slots[this.slots.length - 1] : -Infinity;
    if (this.slots.length < want && last < now + AHEAD_MS) this.claim(Math.min(Math.max(1, Math.ceil(request.rate * BATCH_S)), want - this.slots.length), request);
    return this.slots[0];
  }

  /** The start at the head was taken: its instant (to tell `left` when the request left). */
  take(): number {
    return this.slots.shift()!;
  }

  /**
   * The request of the start at `slot` left at `at` (or has not left before then), and the
   * schedule was delayed by `delayedMs` for it so far: when it left late (and other processes share
   * the budget), the tenant's schedule moves on by the rest. Returns the delay now made for it.
   */
  left(slot: number, at: number, delayedMs: number): number {
    const late = at - slot;
    if (!(late > LATE_MS) || !this.sharedLately || late <= delayedMs) return delayedMs;
    this.delayed += 1;
    this.opts.budget.delay(late - delayedMs).catch((err: unknown) => this.opts.onError(err));
    return late;
  }

  private claim(count: number, request: { rate: number; guardMs: number; knownCuts?: number }): void {
    if (this.claiming) return;
    this.claiming = true;
    const sent = this.opts.now();
    this.opts.budget
      .claim({ count, ...request, claimer: this.claimer })
      .then(
        (c: BudgetClaim) => {
          const received = this.opts.now();
          // The budget's clock read its now between our send and our receipt: the middle is as near as we know.
          const local = (ms: number) => (sent + received) / 2 + (ms - c.nowMs);
          this.sharedLately = c.sharedAtMs > c.nowMs - ALONE_AFTER_MS;
          for (let i = 0; i < c.count; i++) this.slots.push(local(c.firstStartMs + i * c.spacingMs));
          this.opts.onClaim({
            rate: c.rate,
            pausedUntil: Number.isFinite(c.pausedUntilMs) ? local(c.pausedUntilMs) : -Infinity,
            cuts: c.cuts,
            cut: c.cut && { at: local(c.cut.atMs), wMax: c.cut.wMax },
            busy: c.firstStartMs > c.nowMs,
            alone: !this.sharedLately,
          });
        },
        (err: unknown) => {
          this.offUntil = this.opts.now() + BUDGET_RETRY_MS;
          this.slots.length = 0;
          this.opts.onError(err);
        },
      )
      .finally(() => {
        this.claiming = false;
        this.opts.wake();
      });
  }
}

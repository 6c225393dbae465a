/**
 * The start instants this process holds from a shared budget (shared-budget.ts), on the limiter's
 * clock. Claimed a few at a time (BATCH_S of the rate: one round trip to the budget serves
 * several requests, and a process never sits on starts others could use), each used once, in order.
 *
 * A start taken more than LATE_MS after its instant is not taken at all: it is dropped and the
 * next one waited for. The schedule keeps every start `spacing` after the one before across all
 * processes, and the server's rolling second holds as long as no start is later than its instant
 * by more than the guard the spacing adds; a late start would close on the one a rate's worth
 * after it, started on time by another process (a 429, which stops every request for its
 * Retry-After: far dearer than one start dropped).
 */
import type { BudgetClaim, SharedBudget } from './shared-budget.js';

/** Starts claimed per round trip: this many seconds of the rate (at least one). */
export const BATCH_S = 0.15;
/** A start this late is dropped (see above; below the limiter's GUARD_MS). */
export const LATE_MS = 8;
/**
 * After this many dropped in a row, a late start is taken anyway: on a machine so loaded that every
 * timer fires late, dropping would starve this process (a 429 is then the lesser harm).
 */
export const MAX_DROPS_IN_A_ROW = 3;
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
}

export class SharedSlots {
  private readonly slots: number[] = [];
  private claiming = false;
  private offUntil = -Infinity;
  private droppedInARow = 0;
  /** Starts dropped for lateness (for tests and figures). */
  dropped = 0;

  constructor(private readonly opts: SharedSlotsOptions) {}

  /** Whether the budget is in use now (false for BUDGET_RETRY_MS after a failure). */
  active(now: number): boolean {
    return now >= this.offUntil;
  }

  /**
   * The instant of the next start held, after dropping late ones; undefined when none is held (a
   * claim for `want` more is then under way, and `wake` is called when it answers).
   */
  next(now: number, want: number, request: { rate: number; guardMs: number; knownCuts?: number }): number | undefined {
    while (this.slots.length > 0 && this.slots[0] < now - LATE_MS && this.droppedInARow < MAX_DROPS_IN_A_ROW) {
      this.slots.shift();
      this.dropped += 1;
      this.droppedInARow += 1;
    }
    if (this.slots.length < want) this.claim(Math.min(Math.max(1, Math.ceil(request.rate * BATCH_S)), want - this.slots.length), request);
    return this.slots[0];
  }

  /** The start at the head was taken. */
  take(): void {
    this.slots.shift();
    this.droppedInARow = 0;
  }

  private claim(count: number, request: { rate: number; guardMs: number; knownCuts?: number }): void {
    if (this.claiming) return;
    this.claiming = true;
    const sent = this.opts.now();
    this.opts.budget
      .claim({ count, ...request })
      .then(
        (c: BudgetClaim) => {
          const received = this.opts.now();
          // The budget's clock read its now between our send and our receipt: the middle is as near as we know.
          const local = (ms: number) => (sent + received) / 2 + (ms - c.nowMs);
          for (let i = 0; i < c.count; i++) this.slots.push(local(c.firstStartMs + i * c.spacingMs));
          this.opts.onClaim({
            rate: c.rate,
            pausedUntil: Number.isFinite(c.pausedUntilMs) ? local(c.pausedUntilMs) : -Infinity,
            cuts: c.cuts,
            cut: c.cut && { at: local(c.cut.atMs), wMax: c.cut.wMax },
            busy: c.firstStartMs > c.nowMs,
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

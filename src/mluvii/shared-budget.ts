/**
 * What the rate limiter needs from a request budget shared with other processes (every worker
 * and command that calls one tenant's API): start instants handed out from one schedule, a pause
 * every process honours, and with MLUVII_RPS=auto one learned rate. The warehouse keeps it
 * (src/load/rate-budget.ts); the limiter knows only this interface, so src/mluvii holds no SQL.
 *
 * Instants are ms on the budget's own clock (the database's); the limiter maps them onto its own
 * clock with the `nowMs` of each answer.
 */

export interface BudgetClaimRequest {
  /** Starts wanted. */
  count: number;
  /** Starts per second this process would send at (MLUVII_RPS; with auto, its controller's rate). */
  rate: number;
  /** Added to every second of the schedule (see rate-limiter.ts GUARD_MS). */
  guardMs: number;
  /**
   * MLUVII_RPS=auto: the number of the last cut this process's controller follows. Its `rate` is
   * written only when it follows the latest one (a process that has not yet heard of a cut must
   * not undo it); undefined: a fixed rate, always written.
   */
  knownCuts?: number;
  /** Which process claims (a random name, the same for all its claims). */
  claimer: string;
}

export interface BudgetClaim {
  /** The first of `count` start instants, `spacingMs` apart. */
  firstStartMs: number;
  spacingMs: number;
  count: number;
  /** The budget's clock when it answered. */
  nowMs: number;
  /** Starts per second in force for the tenant (the learned one with auto). */
  rate: number;
  /** No start before this (a 429 seen by any process); -Infinity when none. */
  pausedUntilMs: number;
  /** MLUVII_RPS=auto: the latest cut (0 cuts: none yet). */
  cuts: number;
  cut?: { atMs: number; wMax: number };
  /** The last time the claims switched from one process to another; -Infinity: one process only, ever. */
  sharedAtMs: number;
}

export interface SharedBudget {
  claim(request: BudgetClaimRequest): Promise<BudgetClaim>;
  /** A request left `ms` later than its start instant: the starts not yet handed out come that much later. */
  delay(ms: number): Promise<void>;
  /** Every process starts nothing for `ms` from now. */
  pause(ms: number): Promise<void>;
  /**
   * MLUVII_RPS=auto: a 429 cut the rate to `rate` (what the server admitted: `wMax`). Ignored when
   * another process cut within `cooldownMs` (both saw the same overshoot).
   */
  cut(cut: { rate: number; wMax: number; cooldownMs: number }): Promise<void>;
}

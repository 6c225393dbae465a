/**
 * MLUVII_RPS=auto: the request rate adapts to the server's answers, after the AWS SDKs' adaptive
 * retry mode (a token bucket whose fill rate follows CUBIC, botocore retries/throttling.py):
 *
 * - Until the first 429 the rate grows ×SLOW_START_GROWTH per second of successes (slow start),
 *   never above MLUVII_RPS_MAX and never above twice the rate actually sent (a run that cannot use
 *   the rate — few sessions, a slow database — must not inflate it).
 * - A 429 (or a Retry-After) cuts the rate to BETA × w_max, where w_max is what the server admitted:
 *   the answers that succeeded in the last second. A server that counts per rolling second admits
 *   exactly its limit while it refuses the rest, so this is the limit itself, not the rate that
 *   overshot it. AWS takes the rate sent; with that, one overshoot of slow start needed several
 *   cuts, and every cut costs a Retry-After during which nothing is sent.
 * - After a cut the rate follows CUBIC's curve back (its plateau w_max put PLATEAU below the limit): w_max + C·(t − K)³, K = ∛(w_max·(1 − BETA)/C).
 *   C is scaled to w_max so that K is the same RECOVERY_S at any limit: the rate climbs steeply at
 *   first, stays flat just below w_max for long, then probes above it slowly — few 429s per
 *   minute instead of a storm, which matters because each one also stops every request for the
 *   server's Retry-After.
 * - 429s within COOLDOWN_MS of a cut are answers to requests sent before it: they do not cut again.
 *
 * Several processes sharing one tenant's budget learn one rate (`follow`): each adopts the
 * tenant's rate and latest cut at every claim, so they all ride the same curve; what the server
 * admitted is then reckoned from the tenant's rate (this process sends only a part of it), and
 * growth is bounded by whether the tenant's schedule was busy rather than by this process's sends.
 *
 * Pure and clock-injected: the unit tests drive it with a simulated server, no wall clock.
 */

export interface AdaptiveRateOptions {
  /** Starting rate (requests per second); default 5. */
  startRps?: number;
  /** Never above this (MLUVII_RPS_MAX); default 50. */
  maxRps: number;
  /** Never below this; default 0.5. */
  minRps?: number;
}

export const DEFAULT_START_RPS = 5;
export const DEFAULT_MAX_RPS = 50;
export const BETA = 0.9;
export const RECOVERY_S = 20;
export const SLOW_START_GROWTH = 1.5;
export const COOLDOWN_MS = 2000;
/**
 * CUBIC's plateau is put this much below what the server admitted: the rate then stays just
 * under the limit for long and crosses it slowly, so a 429 (and the Retry-After every request
 * then waits) comes every half minute or so instead of every K seconds.
 */
export const PLATEAU = 0.97;
/** A shared cut older than this is not followed (see follow). */
export const STALE_CUT_S = 3 * RECOVERY_S;

export class AdaptiveRate {
  private current: number;
  private readonly max: number;
  private readonly min: number;
  private wMax: number | undefined;
  private k = 0;
  private c = 0;
  private lastCut = -Infinity;
  private lastUpdate: number | undefined;
  /** Instants of the successes and of the sends in the last second: what the server admitted, what we sent. */
  private readonly okTimes: number[] = [];
  private readonly sentTimes: number[] = [];
  throttles = 0;
  /** With a shared budget: whether the tenant's schedule was in full use at the last claim (undefined: not shared). */
  private sharedBusy: boolean | undefined;

  constructor(opts: AdaptiveRateOptions) {
    this.max = opts.maxRps;
    this.min = Math.min(opts.minRps ?? 0.5, this.max);
    this.current = Math.min(opts.startRps ?? DEFAULT_START_RPS, this.max);
  }

  /** The rate to send at now. */
  get rps(): number {
    return this.current;
  }

  /**
   * The limit found: what the server admitted at the last 429, or the rate reached when it never
   * refused; undefined before any answer (a pass that sent nothing found nothing, and must not
   * report its starting rate as if the server had said so).
   */
  get settledRps(): number | undefined {
    if (this.lastUpdate === undefined) return undefined;
    return Number((this.wMax ?? this.current).toFixed(2));
  }

  /** What the server admitted at the last cut (CUBIC's w_max); undefined before any. */
  get plateau(): number | undefined {
    return this.wMax;
  }

  /**
   * A shared budget's answer: the tenant's rate in force, whether its schedule was busy, whether
   * this process is alone on it, and a cut made by any process that this one has not followed yet
   * (`at` on this controller's clock).
   */
  follow(now: number, shared: { rps: number; busy: boolean; alone: boolean; cut?: { at: number; wMax: number } }): void {
    // A cut long past (the tenant idle since) says little of the server now: its rate is kept, its curve not.
    if (shared.cut && shared.cut.at > this.lastCut && now - shared.cut.at < STALE_CUT_S * 1000) this.cutAt(shared.cut.at, shared.cut.wMax);
    // Alone on the budget, the row's rate is this controller's own: it goes on as if unshared,
    // judging by its own sends and answers, which are then all of the tenant's.
    if (shared.alone) {
      this.sharedBusy = undefined;
      return;
    }
    this.sharedBusy = shared.busy;
    this.set(shared.rps);
  }

  /** A request was sent at `now` (ms). */
  sent(now: number): void {
    record(this.sentTimes, now);
  }

  /** An answer that was not a 429 arrived at `now` (ms). Returns the new rate. */
  succeeded(now: number): number {
    record(this.okTimes, now);
    const dt = this.lastUpdate === undefined ? 0 : Math.max(0, now - this.lastUpdate) / 1000;
    this.lastUpdate = now;
    let next: number;
    if (this.wMax === undefined) {
      next = this.current * SLOW_START_GROWTH ** dt;
    } else {
      const t = (now - this.lastCut) / 1000;
      next = this.wMax + this.c * (t - this.k) ** 3;
    }
    // Growth is bounded by twice what was actually sent in the last second (AWS: 2 × measured rate);
    // shared, by the tenant's: all of the rate when its schedule was busy, else none of it.
    const sentRate = this.sharedBusy === undefined ? inLastSecond(this.sentTimes, now) : this.sharedBusy ? this.current : 0;
    if (next > this.current) next = Math.min(next, Math.max(this.current, 2 * sentRate));
    return this.set(next);
  }

  /** A 429 (or an answer with Retry-After) arrived at `now` (ms). Returns the new rate. */
  throttled(now: number): number {
    this.lastUpdate = now;
    if (now - this.lastCut < COOLDOWN_MS) return this.current;
    this.throttles += 1;
    const ok = inLastSecond(this.okTimes, now);
    // Shared: this process sent a part of the tenant's rate; the share of its sends that got
    // through, applied to the tenant's rate, is what the server admitted of all of them.
    const sent = inLastSecond(this.sentTimes, now);
    const admitted = this.sharedBusy === undefined ? ok : sent > 0 ? (this.current * ok) / sent : 0;
    // What the server admitted, but never more than we were sending (a 429 may come from a
    // shared quota with another client) and never nothing (a 429 before any success).
    const w = Math.max(this.min, Math.min(this.current, admitted > 0 ? admitted : this.current * BETA) * PLATEAU);
    this.cutAt(now, w);
    return this.set(w * BETA);
  }

  private cutAt(now: number, w: number): void {
    this.wMax = w;
    this.c = (w * (1 - BETA)) / RECOVERY_S ** 3;
    this.k = Math.cbrt((w * (1 - BETA)) / this.c);
    this.lastCut = now;
  }

  private set(rate: number): number {
    this.current = Math.min(this.max, Math.max(this.min, rate));
    return this.current;
  }
}

function record(times: number[], now: number): void {
  times.push(now);
  inLastSecond(times, now);
}

/** How many of `times` fall in the last second (older ones are dropped). */
function inLastSecond(times: number[], now: number): number {
  let drop = 0;
  while (drop < times.length && times[drop] <= now - 1000) drop++;
  if (drop) times.splice(0, drop);
  return times.length;
}

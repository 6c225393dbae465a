/**
 * The one rate and ETA estimator of every long command (windows of `run`/`backfill`, files of a
 * download pass). A plain "elapsed / done" or "the last interval" estimate jumps whenever one
 * window or one file takes much longer than the one before (92 → 187 → 62 → 168 → 56 s); this one
 * weighs the time spent by its age, halving the weight every `halfLifeMs`, so one slow item moves
 * the estimate a little, and a lasting change of pace moves it within a few half-lives.
 *
 * Units done and time spent are decayed alike and divided (not an average of per-item rates,
 * which would let short items dominate). Between updates the ETA counts down with the clock.
 * Pure: the caller passes the time, so tests need no clock.
 */
/**
 * Five minutes: a run of one window a day barely uses it (the plain average), a backfill of hours
 * follows a change of pace (the API's rate, busier months) within ten minutes or so.
 */
const HALF_LIFE_MS = 300_000;

export class EtaEstimator {
  private doneWeighted = 0;
  private timeWeighted = 0;
  private done = 0;
  private lastAt: number;

  constructor(
    private readonly total: number,
    startedAt: number,
    private readonly halfLifeMs = HALF_LIFE_MS,
  ) {
    this.lastAt = startedAt;
  }

  /** `done` units in all (cumulative) at `at` (ms). */
  update(done: number, at: number): void {
    const dt = Math.max(0, at - this.lastAt);
    const decay = 2 ** (-dt / this.halfLifeMs);
    this.doneWeighted = this.doneWeighted * decay + (done - this.done);
    this.timeWeighted = this.timeWeighted * decay + dt;
    this.done = done;
    this.lastAt = at;
  }

  /** Units per second, smoothed; undefined before anything was done. */
  ratePerSecond(): number | undefined {
    if (this.doneWeighted <= 0 || this.timeWeighted <= 0) return undefined;
    return this.doneWeighted / (this.timeWeighted / 1000);
  }

  /** Seconds left at `at`: 0 when all is done, undefined while the rate is unknown. */
  etaSeconds(at: number): number | undefined {
    if (this.done >= this.total) return 0;
    const rate = this.ratePerSecond();
    if (rate === undefined) return undefined;
    return Math.max(0, (this.total - this.done) / rate - Math.max(0, at - this.lastAt) / 1000);
  }
}

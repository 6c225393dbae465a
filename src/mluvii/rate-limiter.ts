/**
 * One limiter for every request the client sends: at most `rps` request starts in any
 * rolling second and at most `concurrency` in flight. Retries pass through it like first attempts.
 *
 * Starts are spaced evenly (one per 1000/rps ms, p-queue's strict sliding window) rather than
 * allowed in bursts of `rps`: a server that counts in windows shorter than a second — or one that
 * starts counting mid-burst — never sees more than the configured rate.
 */
import PQueue from 'p-queue';

export interface RateLimiterOptions {
  rps: number;
  concurrency: number;
}

export class RateLimiter {
  private readonly queue: PQueue;
  private resumeAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.rps > 0)) throw new RangeError(`rps must be positive, got ${opts.rps}`);
    if (!(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) throw new RangeError(`concurrency must be a whole number from 1, got ${opts.concurrency}`);
    this.queue = new PQueue({ concurrency: opts.concurrency, intervalCap: 1, interval: 1000 / opts.rps, strict: true });
  }

  /** Runs `task` when the rate and concurrency allow; `task` is one request attempt. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.add(task);
  }

  /**
   * The server asked everyone to wait (429/503 with Retry-After): start nothing new for `ms`.
   * Requests in flight finish; a longer hold extends a shorter one.
   */
  holdFor(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.queue.pause();
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, ms);
    // Not unref'd: requests waiting for the hold are what keeps the process alive meanwhile.
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.queue.pending;
  }
}

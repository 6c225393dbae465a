import { describe, expect, it } from '@jest/globals';
import { MAX_LAG_MS, RateLimiter, type LimiterClock } from '../../src/mluvii/rate-limiter.js';

/** A clock that only moves when told; its timers may fire late by `lateness()` ms (a busy machine). */
export class FakeClock implements LimiterClock {
  t = 0;
  private seq = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  constructor(private readonly lateness: () => number = () => 0) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms + this.lateness(), fn, id });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Fires timers in order until none is left or `until` is reached; promise callbacks run in between. */
  async run(until = Infinity): Promise<void> {
    for (;;) {
      await flush();
      if (this.timers.length === 0) break;
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next.at > until) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    if (Number.isFinite(until)) this.t = Math.max(this.t, until);
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Deterministic pseudo-random lateness (mulberry32). */
function lcg(seed: number, maxMs: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxMs;
  };
}

function maxInRollingSecond(starts: number[], windowMs = 1000): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < starts.length; i++) {
    while (starts[j] <= starts[i] - windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function startTimes(limiter: RateLimiter, clock: FakeClock, n: number, taskMs = 0): Promise<number[]> {
  const starts: number[] = [];
  const done = Array.from({ length: n }, () =>
    limiter.run(async () => {
      starts.push(clock.now());
      if (taskMs > 0) await new Promise<void>((r) => clock.setTimer(r, taskMs));
    }),
  );
  await clock.run();
  await Promise.all(done);
  return starts;
}

describe('RateLimiter (absolute schedule, injected clock)', () => {
  it.each([
    { rps: 20, lateMs: 0 },
    { rps: 20, lateMs: 40 },
    { rps: 5, lateMs: 150 },
    { rps: 50, lateMs: 15 },
    { rps: 13, lateMs: 70 },
  ])('never more than $rps starts in any rolling second, timers late by up to $lateMs ms', async ({ rps, lateMs }) => {
    const clock = new FakeClock(lcg(rps * 7 + lateMs, lateMs));
    const limiter = new RateLimiter({ rps, concurrency: 1000, clock });
    const starts = await startTimes(limiter, clock, rps * 30);
    expect(starts).toHaveLength(rps * 30);
    expect(maxInRollingSecond(starts)).toBeLessThanOrEqual(rps);
  });

  // Relative timers lose every ms of lateness for good: 20 ms late per start at 20 rps is 0.71 R.
  // Here a late start makes the next ones due at once; only the rolling second (a start waits for
  // the one R starts earlier) carries lateness on, once per second instead of once per start.
  it.each([
    { rps: 20, lateMs: 20 },
    { rps: 5, lateMs: 30 },
    { rps: 50, lateMs: 15 },
    { rps: 10, lateMs: 2 },
  ])('late timers are caught up, not accumulated: rps $rps, timers late by up to $lateMs ms keep ≥ 0.98 of the rate', async ({ rps, lateMs }) => {
    const n = rps * 60;
    const clock = new FakeClock(lcg(rps + lateMs, lateMs));
    const limiter = new RateLimiter({ rps, concurrency: 1000, clock });
    const starts = await startTimes(limiter, clock, n);
    const achieved = (n - 1) / ((starts[n - 1] - starts[0]) / 1000);
    expect(achieved).toBeGreaterThanOrEqual(0.98 * rps);
    expect(achieved).toBeLessThanOrEqual(rps * 1.0001);
  });

  it('a fractional rate keeps its spacing (2.5 rps: 3 starts per 1.2 s at most)', async () => {
    const clock = new FakeClock(lcg(3, 20));
    const limiter = new RateLimiter({ rps: 2.5, concurrency: 10, clock });
    const starts = await startTimes(limiter, clock, 50);
    expect(maxInRollingSecond(starts, 1200)).toBeLessThanOrEqual(3);
    expect(49 / ((starts[49] - starts[0]) / 1000)).toBeGreaterThanOrEqual(0.98 * 2.5);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 100, concurrency: 3, clock });
    let inFlight = 0;
    let most = 0;
    const done = Array.from({ length: 30 }, () =>
      limiter.run(async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((r) => clock.setTimer(r, 500));
        inFlight -= 1;
      }),
    );
    await clock.run();
    await Promise.all(done);
    expect(most).toBe(3);
  });

  it('an idle spell or a long stall is forgiven, not repaid in a burst', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 20, concurrency: 1000, clock });
    await startTimes(limiter, clock, 5);
    clock.t += 10_000; // idle for 10 s
    const starts = await startTimes(limiter, clock, 40);
    const atOnce = starts.filter((s) => s === starts[0]).length;
    expect(atOnce).toBeLessThanOrEqual(Math.ceil((20 * MAX_LAG_MS) / 1000) + 1);
    expect(maxInRollingSecond(starts)).toBeLessThanOrEqual(20);
  });

  it('holdFor: nothing starts until the hold ends, then the schedule resumes from there', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 10, concurrency: 10, clock });
    await startTimes(limiter, clock, 3);
    const heldAt = clock.now();
    limiter.holdFor(2000);
    limiter.holdFor(500); // a shorter hold does not shorten it
    const starts = await startTimes(limiter, clock, 5);
    expect(starts[0]).toBeGreaterThanOrEqual(heldAt + 2000);
    expect(starts.filter((s) => s < starts[0] + 100).length).toBe(1);
  });

  it('setRate changes the spacing and the rolling bound at once', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 5, concurrency: 100, clock });
    const done = Array.from({ length: 60 }, () => limiter.run(async () => clock.now()));
    await clock.run(2000);
    limiter.setRate(20);
    await clock.run();
    const starts = await Promise.all(done);
    expect(starts.filter((s) => s < 2000).length).toBe(10);
    expect(maxInRollingSecond(starts)).toBeLessThanOrEqual(20);
    expect(starts[59]).toBeLessThan(2000 + 50 * 50 + 100);
  });

  it('refuses a rate or concurrency that is not positive', () => {
    expect(() => new RateLimiter({ rps: 0, concurrency: 1 })).toThrow(/rps must be positive/);
    expect(() => new RateLimiter({ rps: 5, concurrency: 0 })).toThrow(/concurrency/);
  });
});

import { describe, expect, it } from '@jest/globals';
import { MAX_LAG_MS, RateLimiter } from '../../src/mluvii/rate-limiter.js';
import { FakeClock, lcg } from '../helpers/fake-clock.js';

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

  // Relative timers lose every ms of lateness for good: 10 ms late per start at 20 rps is 0.83 R.
  // Here a late start makes the next ones due at once; only the rolling second (a start waits for
  // the one R starts earlier, plus GUARD_MS) carries lateness on, once per second instead of once
  // per start: the rate is about R / (1 + (guard + mean lateness) / 1000).
  it.each([
    { rps: 20, lateMs: 10 },
    { rps: 5, lateMs: 10 },
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
    const clock = new FakeClock(lcg(3, 5));
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

  it('counts the rolling second from when a request actually left (leftAfter), not from its start', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 2, concurrency: 10, clock });
    const starts: number[] = [];
    const done = Array.from({ length: 3 }, (_, i) =>
      limiter.run(async (leftAfter) => {
        starts.push(clock.now());
        if (i === 0) leftAfter(300); // the event loop was busy: it reached the server 300 ms late
      }),
    );
    await clock.run();
    await Promise.all(done);
    // Without the mark the third start would be due at 1000 (+ guard); with it, not before 1300.
    expect(starts[2]).toBeGreaterThanOrEqual(starts[0] + 1300);
    expect(starts[2]).toBeLessThan(starts[0] + 1400);
  });

  it('at a fixed rate, each 429 widens the margin on the rolling second (up to MAX_GUARD_MS), never the rate itself', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rps: 10, concurrency: 100, clock });
    const before = await startTimes(limiter, clock, 31);
    limiter.answered('throttled');
    limiter.answered('throttled');
    limiter.answered('ok');
    const after = await startTimes(limiter, clock, 31);
    const span = (xs: number[]) => xs[xs.length - 1] - xs[0];
    // 30 intervals = 3 rolling windows: each longer by the wider guard (10 → 30 ms).
    expect(span(after) - span(before)).toBeGreaterThanOrEqual(3 * 20 - 1);
    expect(limiter.rps).toBe(10);
    for (let i = 0; i < 10; i++) limiter.answered('throttled');
    const capped = await startTimes(limiter, clock, 31);
    expect(span(capped)).toBeLessThanOrEqual(span(after) + 3 * (40 - 30) + 1); // capped at MAX_GUARD_MS
    expect(maxInRollingSecond(capped)).toBeLessThanOrEqual(10);
  });

  it('refuses a rate or concurrency that is not positive', () => {
    expect(() => new RateLimiter({ rps: 0, concurrency: 1 })).toThrow(/rps must be positive/);
    expect(() => new RateLimiter({ rps: 5, concurrency: 0 })).toThrow(/concurrency/);
  });
});

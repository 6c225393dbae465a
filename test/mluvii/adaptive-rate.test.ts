import { describe, expect, it } from '@jest/globals';
import { AdaptiveRate, BETA, COOLDOWN_MS, PLATEAU } from '../../src/mluvii/adaptive-rate.js';
import { RateLimiter } from '../../src/mluvii/rate-limiter.js';
import { FakeClock, lcg } from '../helpers/fake-clock.js';

interface Outcome {
  okPerS: number;
  share429: number;
  /** The most 429s answered in any 10 s: a storm would show here. */
  most429In10s: number;
  settled: number;
  rateAt: (t: number) => number;
}

/**
 * A server admitting `limit` requests per rolling second (429 with Retry-After: 1 beyond, like the
 * simulator) and a client sending as fast as the limiter lets it, both on an injected clock: what
 * the transport does, without wall-clock time. Figures from `from` to `to` ms.
 */
async function simulate(limit: number, opts: { maxRps?: number; concurrency?: number; latencyMs?: number; durationMs: number; from: number; lateMs?: number }): Promise<Outcome> {
  const clock = new FakeClock(lcg(limit, opts.lateMs ?? 3));
  const adaptive = new AdaptiveRate({ maxRps: opts.maxRps ?? 100 });
  const limiter = new RateLimiter({ rps: 1, concurrency: opts.concurrency ?? 16, clock, adaptive });
  const latency = opts.latencyMs ?? 80;
  const admitted: number[] = [];
  const answers: Array<{ at: number; ok: boolean }> = [];
  const rates: Array<[number, number]> = [];
  const request = async (): Promise<void> => {
    const arrival = clock.now();
    while (admitted.length && admitted[0] <= arrival - 1000) admitted.shift();
    const ok = admitted.length < limit;
    if (ok) admitted.push(arrival);
    await new Promise<void>((r) => clock.setTimer(r, latency));
    answers.push({ at: clock.now(), ok });
    if (ok) limiter.answered('ok');
    else {
      limiter.answered('throttled');
      limiter.holdFor(1000);
    }
    rates.push([clock.now(), limiter.rps]);
  };
  // Keep the queue full for the whole duration (a backfill always has more to fetch).
  const workers = Array.from({ length: 24 }, async () => {
    while (clock.now() < opts.durationMs) await limiter.run(request);
  });
  await clock.run(opts.durationMs + 5000);
  if (process.env.ADAPTIVE_DEBUG) console.log(limit, rates.filter((_, i) => i % 50 === 0).map(([t, r]) => `${Math.round(t / 1000)}:${r.toFixed(1)}`).join(' '), answers.filter((a) => !a.ok).map((a) => Math.round(a.at / 100) / 10).join(' '));
  await Promise.all(workers);
  const inSpan = answers.filter((a) => a.at >= opts.from && a.at < opts.durationMs);
  const bad = answers.filter((a) => !a.ok).map((a) => a.at);
  let most = 0;
  for (let i = 0, j = 0; i < bad.length; i++) {
    while (bad[j] <= bad[i] - 10_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return {
    okPerS: inSpan.filter((a) => a.ok).length / ((opts.durationMs - opts.from) / 1000),
    share429: inSpan.filter((a) => !a.ok).length / inSpan.length,
    most429In10s: most,
    settled: adaptive.settledRps ?? 0,
    rateAt: (t) => [...rates].reverse().find(([at]) => at <= t)?.[1] ?? 0,
  };
}

describe('AdaptiveRate (MLUVII_RPS=auto), against a simulated rolling-second server on an injected clock', () => {
  it('has settled on nothing before the first answer: a pass that sent no request reports no rate', () => {
    const a = new AdaptiveRate({ maxRps: 50 });
    expect(a.settledRps).toBeUndefined();
    a.sent(0);
    expect(a.settledRps).toBeUndefined();
    a.succeeded(100);
    expect(a.settledRps).toBeGreaterThan(0);
  });

  it.each([10, 20, 50])('finds a limit of %i req/s: from 30 s to 90 s ≥ 0.9 of it with ≤ 2 %% 429s, no storm', async (limit) => {
    const o = await simulate(limit, { durationMs: 90_000, from: 30_000 });
    expect(o.okPerS).toBeGreaterThanOrEqual(0.9 * limit);
    expect(o.share429).toBeLessThanOrEqual(0.02);
    expect(o.most429In10s).toBeLessThanOrEqual(6);
    expect(o.settled).toBeGreaterThanOrEqual(0.9 * limit);
    expect(o.settled).toBeLessThanOrEqual(1.05 * limit);
  });

  it('never goes above MLUVII_RPS_MAX, and a server that never refuses is never asked for more', async () => {
    const o = await simulate(1000, { maxRps: 30, durationMs: 30_000, from: 10_000 });
    expect(o.okPerS).toBeGreaterThanOrEqual(0.95 * 30);
    expect(o.okPerS).toBeLessThanOrEqual(30.01);
    expect(o.share429).toBe(0);
    expect(o.settled).toBe(30);
  });

  it('starts at 5 req/s and grows while requests succeed', async () => {
    const o = await simulate(1000, { maxRps: 50, durationMs: 10_000, from: 0 });
    expect(o.rateAt(100)).toBeLessThanOrEqual(5.5);
    expect(o.rateAt(3000)).toBeGreaterThan(o.rateAt(1000));
    expect(o.rateAt(9000)).toBe(50);
  });

  it('a 429 cuts to BETA × what the server admitted in the last second; 429s right after a cut do not cut again', () => {
    const a = new AdaptiveRate({ maxRps: 100, startRps: 40 });
    // 40 sent and 20 admitted per second for 2 s (a server limit of 20).
    for (let ms = 0; ms <= 2000; ms += 25) {
      a.sent(ms);
      if (ms % 50 === 0) a.succeeded(ms);
    }
    const cut = a.throttled(2000);
    expect(cut).toBeCloseTo(BETA * PLATEAU * 20, 0);
    expect(a.throttled(2000 + COOLDOWN_MS - 1)).toBe(cut);
    expect(a.throttles).toBe(1);
    expect(a.settledRps).toBeCloseTo(PLATEAU * 20, 0);
  });

  it('growth is bounded by twice the rate actually sent (a run that cannot use the rate does not inflate it)', () => {
    const a = new AdaptiveRate({ maxRps: 100, startRps: 5 });
    // 2 requests per second for 60 s, all succeeding.
    for (let ms = 0; ms < 60_000; ms += 500) {
      a.sent(ms);
      a.succeeded(ms + 50);
    }
    expect(a.rps).toBeLessThanOrEqual(5);
  });

  it('a 429 before any success still cuts, and never below the floor', () => {
    const a = new AdaptiveRate({ maxRps: 50 });
    expect(a.throttled(0)).toBeCloseTo(5 * BETA * PLATEAU * BETA, 5);
    let t = 0;
    for (let i = 0; i < 50; i++) a.throttled((t += COOLDOWN_MS));
    expect(a.rps).toBe(0.5);
  });
});

describe('AdaptiveRate sharing one tenant budget with other processes (follow)', () => {
  it('takes the tenant\'s rate and reckons a 429 from it: this process sent only a part of what the server admitted', () => {
    const a = new AdaptiveRate({ maxRps: 100 });
    a.follow(0, { rps: 20, busy: true, alone: false });
    expect(a.rps).toBe(20);
    // Of this process's 10 sends in the last second, 5 got through: the tenant's 20 were admitted at half.
    for (let i = 0; i < 10; i++) a.sent(100 + i * 50);
    for (let i = 0; i < 5; i++) a.succeeded(150 + i * 50);
    const before = a.rps;
    const w = before * (5 / 10) * PLATEAU;
    expect(a.throttled(700)).toBeCloseTo(w * BETA, 6);
    expect(a.plateau).toBeCloseTo(w, 6);
  });

  it('follows a cut another process made, unless it is long past; grows only while the tenant\'s schedule is busy', () => {
    const a = new AdaptiveRate({ maxRps: 100 });
    a.follow(10_000, { rps: 9, busy: true, alone: false, cut: { at: 9_000, wMax: 10 } });
    expect(a.plateau).toBe(10);
    // One second after the cut, on CUBIC's curve from the shared plateau: below it, above the cut rate.
    const next = a.succeeded(10_000);
    expect(next).toBeGreaterThan(9);
    expect(next).toBeLessThan(10);
    const idle = new AdaptiveRate({ maxRps: 100 });
    idle.follow(0, { rps: 8, busy: false, alone: false });
    expect(idle.succeeded(1000)).toBe(8);
    const stale = new AdaptiveRate({ maxRps: 100 });
    stale.follow(1_000_000, { rps: 8, busy: true, alone: false, cut: { at: 0, wMax: 10 } });
    expect(stale.plateau).toBeUndefined();
  });

  it('alone on the budget, goes on as if unshared: its own rate, its own sends and answers', () => {
    const a = new AdaptiveRate({ maxRps: 100 });
    a.follow(0, { rps: 30, busy: true, alone: true });
    expect(a.rps).toBe(5);
    for (let i = 0; i < 4; i++) a.sent(100 + i * 100);
    for (let i = 0; i < 4; i++) a.succeeded(150 + i * 100);
    const before = a.rps;
    expect(before).toBeGreaterThan(4);
    // What the server admitted is its own successes, as without a budget.
    a.throttled(600);
    expect(a.plateau).toBeCloseTo(4 * PLATEAU, 6);
  });
});

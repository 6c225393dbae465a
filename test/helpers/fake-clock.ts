import type { LimiterClock } from '../../src/mluvii/rate-limiter.js';

/** A clock for the rate limiter's tests that only moves when told; its timers may fire late by `lateness()` ms (a busy machine). */
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
export function lcg(seed: number, maxMs: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxMs;
  };
}


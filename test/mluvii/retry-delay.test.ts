import { describe, expect, it } from '@jest/globals';
import { MIN_RETRY_AFTER_MS, parseRetryAfter, retryDelay } from '../../src/mluvii/retry-delay.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');

  it('reads delta-seconds, including 0 and fractions', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(['3', '4'], now)).toBe(3000);
  });
});

describe('retryDelay', () => {
  const base = { baseMs: 500, maxMs: 30_000 };

  it('is full jitter: uniform in [0, base·2^(attempt−1)], capped', () => {
    expect(retryDelay({ ...base, attempt: 1, random: () => 0 })).toBe(0);
    expect(retryDelay({ ...base, attempt: 1, random: () => 0.999999 })).toBe(500);
    expect(retryDelay({ ...base, attempt: 3, random: () => 0.5 })).toBe(1000);
    expect(retryDelay({ ...base, attempt: 20, random: () => 0.999999 })).toBe(30_000);
  });

  it('honours Retry-After in full, never below the floor (Retry-After: 0 is no tight loop) and never cut to the backoff cap', () => {
    expect(retryDelay({ ...base, attempt: 1, retryAfterMs: 2000, random: () => 0 })).toBe(2000);
    expect(retryDelay({ ...base, attempt: 1, retryAfterMs: 0, random: () => 0 })).toBe(500);
    expect(retryDelay({ baseMs: 10, maxMs: 30_000, attempt: 1, retryAfterMs: 0, random: () => 0 })).toBe(MIN_RETRY_AFTER_MS);
    expect(retryDelay({ ...base, attempt: 1, retryAfterMs: 3_600_000, random: () => 0 })).toBe(3_600_000);
  });

  it('adds at most 10 % jitter to a Retry-After', () => {
    const d = retryDelay({ ...base, attempt: 1, retryAfterMs: 2000, random: () => 0.999 });
    expect(d).toBeGreaterThan(2000);
    expect(d).toBeLessThanOrEqual(2200);
  });
});

/**
 * How long to wait before the next attempt: exponential backoff
 * with full jitter, or the server's Retry-After when it sends one — with a floor, so
 * `Retry-After: 0` does not become a tight loop. A Retry-After is never cut short (sending
 * earlier only earns another refusal); the retry policy refuses to wait at all when it is longer
 * than MLUVII_RETRY_AFTER_MAX (retry-policy.ts).
 */

/** Below this a Retry-After is raised to it, whatever the backoff base: a server that says "0" while refusing is not to be hammered. */
export const MIN_RETRY_AFTER_MS = 250;

/**
 * Retry-After as delta-seconds (`120`, `0`) or an HTTP date, in ms from `nowMs` (never negative).
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface RetryDelayInput {
  /** 1 for the wait after the first failed attempt. */
  attempt: number;
  baseMs: number;
  maxMs: number;
  /** From parseRetryAfter, when the answer had the header. */
  retryAfterMs?: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Full jitter (AWS architecture blog): uniform in [0, min(max, base·2^(attempt−1))], so many
 * clients failing together do not retry together. With a Retry-After: at least that value and at
 * least max(MIN_RETRY_AFTER_MS, base) (itself at most `max`), plus up to 10 % jitter for the same
 * reason — never less than the server asked for.
 */
export function retryDelay(input: RetryDelayInput): number {
  const random = input.random ?? Math.random;
  const max = Math.max(0, input.maxMs);
  if (input.retryAfterMs !== undefined) {
    const floor = Math.min(max, Math.max(MIN_RETRY_AFTER_MS, input.baseMs));
    const wait = Math.max(floor, input.retryAfterMs);
    return Math.ceil(wait * (1 + 0.1 * random()));
  }
  const ceiling = Math.min(max, input.baseMs * 2 ** Math.max(0, input.attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * The retry rules every request to mluvii follows, as one pure decision per failed attempt
 * (after got's calculate-retry-delay, which answers "0 = give up, else the delay"; a full-jitter
 * delay can be 0, so here the answer is a typed decision instead):
 *
 * - What is retried: no answer (a timeout, a connection error), 408, 429 and 5xx. Any other
 *   status is given up at once (retrying a 400 changes nothing).
 * - How long to wait: full-jitter backoff, or the server's Retry-After in full with a floor
 *   against `Retry-After: 0` (retry-delay.ts); a Retry-After longer than `retryAfterMaxMs`
 *   (MLUVII_RETRY_AFTER_MAX) gives up at once: waiting would stall the run, sending earlier
 *   would only be refused again.
 * - How often: `maxAttempts` failures; a door may count 429s against their own, larger budget
 *   (`rateLimitedBudget`) and give up on timeouts sooner (`timeoutAttempts`).
 *
 * What a door does around a retry (hold the limiter, log, count) and how it words a give-up stay
 * with the door: with-retries.ts runs the loop, transport.ts, auth.ts and file-download.ts are the doors.
 */
import { scrubSecrets } from '../log.js';
import { MluviiApiError, type MluviiOutage } from './errors.js';
import { describeNetworkError, isTimeoutError } from './network-errors.js';
import { parseRetryAfter, retryDelay } from './retry-delay.js';

/** Waits at least this long are logged at info by the doors with their reason, so a stalled run is never silent. */
export const LONG_WAIT_MS = 5_000;

/** 429s a door with a limiter allows per call, × maxAttempts (transport.ts says why 429s are not failures there). */
export const RATE_LIMITED_BUDGET = 3;

export interface RetryPolicy {
  /** Failed attempts (408/5xx/no answer, and 429 without a budget of its own) before giving up. */
  maxAttempts: number;
  /** Full-jitter backoff base and cap (retry-delay.ts). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A Retry-After longer than this gives up at once (MLUVII_RETRY_AFTER_MAX); Infinity waits whatever is asked. */
  retryAfterMaxMs: number;
  /** 429s count against a budget of maxAttempts × this instead of as failures; absent: a 429 is a failure like a 503. */
  rateLimitedBudget?: number;
  /** Timeouts give up after min(this, maxAttempts) failures. */
  timeoutAttempts?: number;
  /** What a status that used up the retries says about the service (MluviiOutage); default `possible`, maybe only this range or item. */
  outageWhenUsedUp?: MluviiOutage;
  /** Uniform [0, 1) for the jitter; injectable for tests. */
  random?: () => number;
}

/** The retry settings every door shares (MLUVII_* settings); each door adds its own rules to them. */
export type RetrySettings = Pick<RetryPolicy, 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'retryAfterMaxMs'>;

/** What one attempt that was not a success brought back. */
export type Failure =
  /** No answer: what got threw (a timeout, a reset, a refused connection). */
  | { error: unknown }
  /** An answer the door did not handle itself, with its Retry-After header. */
  | { status: number; retryAfter?: string | string[] };

/** Failures so far in one call (kept by the loop, passed back in). */
export interface RetryTally {
  failures: number;
  rateLimited: number;
}

export const NO_FAILURES: RetryTally = { failures: 0, rateLimited: 0 };

/** Try again after `delayMs`. */
export interface Retry {
  retry: true;
  kind: 'timeout' | 'network' | 'http';
  delayMs: number;
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number;
  /** A 429 or a Retry-After: the server spoke to every request, so a door with a limiter holds it for the delay. */
  serverPacing: boolean;
  tally: RetryTally;
}

/** Stop: why, and the facts for the error (the door words the message). */
export type GiveUp = { retry: false; attempts: number } & (
  | { why: 'no-answer'; kind: 'timeout' | 'network'; cause: unknown; outage: 'certain' }
  | { why: 'used-up'; kind: 'http'; status: number; outage: MluviiOutage }
  | { why: 'wait-too-long'; kind: 'http'; status: number; retryAfterMs: number; retryAfterMaxMs: number; outage: 'certain' }
  | { why: 'not-retryable'; kind: 'http'; status: number }
);

/** 408, 429 and 5xx: the server may answer differently next time. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Retry or give up after `failure`, the `attempts`-th request of the call; `tally` counts the failures before it. */
export function decideRetry(policy: RetryPolicy, tally: RetryTally, failure: Failure, attempts: number): Retry | GiveUp {
  const { random } = policy;
  if ('error' in failure) {
    const kind = isTimeoutError(failure.error) ? 'timeout' : 'network';
    const failures = tally.failures + 1;
    const limit = kind === 'timeout' && policy.timeoutAttempts !== undefined ? Math.min(policy.timeoutAttempts, policy.maxAttempts) : policy.maxAttempts;
    if (failures >= limit) return { retry: false, why: 'no-answer', kind, cause: failure.error, attempts, outage: 'certain' };
    const delayMs = retryDelay({ attempt: failures, baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs, random });
    return { retry: true, kind, delayMs, serverPacing: false, tally: { ...tally, failures } };
  }

  const { status } = failure;
  if (!isRetryableStatus(status)) return { retry: false, why: 'not-retryable', kind: 'http', status, attempts };
  const budget = status === 429 ? policy.rateLimitedBudget : undefined;
  const next = budget === undefined ? { ...tally, failures: tally.failures + 1 } : { ...tally, rateLimited: tally.rateLimited + 1 };
  if (next.failures >= policy.maxAttempts || (budget !== undefined && next.rateLimited >= policy.maxAttempts * budget)) {
    return { retry: false, why: 'used-up', kind: 'http', status, attempts, outage: policy.outageWhenUsedUp ?? 'possible' };
  }
  const retryAfterMs = parseRetryAfter(failure.retryAfter);
  if (retryAfterMs !== undefined && retryAfterMs > policy.retryAfterMaxMs) {
    return { retry: false, why: 'wait-too-long', kind: 'http', status, attempts, retryAfterMs, retryAfterMaxMs: policy.retryAfterMaxMs, outage: 'certain' };
  }
  const delayMs = retryDelay({ attempt: Math.max(next.failures, next.rateLimited), baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs, retryAfterMs, random });
  return { retry: true, kind: 'http', delayMs, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), serverPacing: status === 429 || retryAfterMs !== undefined, tally: next };
}

/**
 * A give-up in words, naming the request as `where` (method, path, context). A door that says
 * more (the API's "is unavailable", the token endpoint's wording) replaces or prefixes it.
 */
export function describeGiveUp(giveUp: GiveUp, where: string): string {
  switch (giveUp.why) {
    case 'no-answer':
      return `${where} failed after ${giveUp.attempts} attempts: ${giveUp.kind === 'timeout' ? 'timed out' : describeNetworkError(giveUp.cause)}`;
    case 'used-up':
      return `${where} still answered HTTP ${giveUp.status} after ${giveUp.attempts} attempts`;
    case 'wait-too-long':
      return `${where} answered HTTP ${giveUp.status}: the server asked to wait ${Math.ceil(giveUp.retryAfterMs / 1000)} s, longer than MLUVII_RETRY_AFTER_MAX (${Math.round(giveUp.retryAfterMaxMs / 1000)} s)`;
    case 'not-retryable':
      return `${where} answered HTTP ${giveUp.status}`;
  }
}

/** The typed error for a give-up: `message`, scrubbed of `secrets` and every held token, with the endpoint, status, attempts, kind and outage as fields. */
export function giveUpError(giveUp: GiveUp, endpoint: string, message: string, secrets: string[]): MluviiApiError {
  return new MluviiApiError(scrubSecrets(message, secrets), {
    endpoint,
    kind: giveUp.kind,
    attempts: giveUp.attempts,
    ...('status' in giveUp ? { status: giveUp.status } : {}),
    ...('cause' in giveUp ? { cause: giveUp.cause } : {}),
    ...('outage' in giveUp ? { outage: giveUp.outage } : {}),
  });
}

/**
 * The attempt loop every request to mluvii runs in: try, ask the retry policy, wait, try again.
 *
 * Our own loop, not got's `retry` option, because got retries inside one request: a retry could
 * not go back through the rate limiter's schedule and concurrency slot, could not hold the limiter
 * for everyone on a 429, could not renew the token in between, and a streamed download is never
 * retried by got at all. got sends one attempt; this loop decides about the next.
 */
import { sleep as wallClockSleep } from '../util/sleep.js';
import { decideRetry, NO_FAILURES, type Failure, type GiveUp, type Retry, type RetryPolicy } from './retry-policy.js';

/** What one attempt ended with. Errors the attempt throws (refused credentials, a full disk) end the call as they are. */
export type Attempted<T> =
  /** The call's result (a body, a not-found): returned. */
  | { done: T }
  /** Try again at once, not a failure: the token was renewed, a redirect is to be followed. */
  | typeof AGAIN
  /** For the policy to judge: retried after its delay, or given up. */
  | { failed: Failure };

export const AGAIN = { again: true } as const;

export interface RetryHooks<T> {
  /** Before each wait: what the door does then (hold the limiter, log, count). */
  onRetry?: (retry: Retry, failure: Failure, attempts: number) => void;
  /** Retries used up or refused: throws the door's error, or returns what the door returns instead. */
  giveUp: (giveUp: GiveUp) => T;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `attempt` (called with 1, 2, … for each request sent) until it is done or the policy gives up. */
export async function withRetries<T>(attempt: (attempts: number) => Promise<Attempted<T>>, policy: RetryPolicy, hooks: RetryHooks<T>): Promise<T> {
  const sleep = hooks.sleep ?? wallClockSleep;
  let tally = NO_FAILURES;
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(attempts);
    if ('done' in outcome) return outcome.done;
    if ('again' in outcome) continue;
    const decision = decideRetry(policy, tally, outcome.failed, attempts);
    if (!decision.retry) return hooks.giveUp(decision);
    tally = decision.tally;
    hooks.onRetry?.(decision, outcome.failed, attempts);
    await sleep(decision.delayMs);
  }
}

import { describe, expect, it } from '@jest/globals';
import { MluviiApiError } from '../../src/mluvii/errors.js';
import {
  decideRetry,
  describeGiveUp,
  giveUpError,
  isRetryableStatus,
  NO_FAILURES,
  type Failure,
  type GiveUp,
  type Retry,
  type RetryPolicy,
  type RetryTally,
} from '../../src/mluvii/retry-policy.js';
import { AGAIN, withRetries, type Attempted } from '../../src/mluvii/with-retries.js';

const half = () => 0.5;
/** The API's rules (transport.ts): 429s on a budget of their own, retries used up may be only this range. */
const api: RetryPolicy = { maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 1000, retryAfterMaxMs: 60_000, rateLimitedBudget: 3, outageWhenUsedUp: 'possible', random: half };
/** The token endpoint's (auth.ts): a 429 is a failure, timeouts give up after 2, and retries used up mean nothing works. */
const token: RetryPolicy = { maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 1000, retryAfterMaxMs: 60_000, timeoutAttempts: 2, outageWhenUsedUp: 'certain', random: half };
/** Downloads' (file-download.ts): any Retry-After is waited out. */
const download: RetryPolicy = { ...api, retryAfterMaxMs: Infinity };

const timeout = Object.assign(new Error('Timeout awaiting request for 150ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const tally = (failures: number, rateLimited = 0): RetryTally => ({ failures, rateLimited });

describe('decideRetry', () => {
  const cases: Array<[string, RetryPolicy, RetryTally, Failure, Partial<Retry> | Partial<GiveUp>]> = [
    // No answer.
    ['a reset: full jitter on the first failure', api, NO_FAILURES, { error: reset }, { retry: true, kind: 'network', delayMs: 50, serverPacing: false, tally: tally(1) }],
    ['a timeout: retried like a reset', api, tally(1), { error: timeout }, { retry: true, kind: 'timeout', delayMs: 100, tally: tally(2) }],
    ['no answer the maxAttempts-th time: given up, the service is down', api, tally(2), { error: reset }, { retry: false, why: 'no-answer', kind: 'network', cause: reset, outage: 'certain' }],
    ['a first timeout on the token endpoint: retried', token, NO_FAILURES, { error: timeout }, { retry: true, kind: 'timeout', tally: tally(1) }],
    ['a second timeout on the token endpoint: given up (timeoutAttempts)', token, tally(1), { error: timeout }, { retry: false, why: 'no-answer', kind: 'timeout', outage: 'certain' }],
    ['a reset on the token endpoint: maxAttempts as usual', token, tally(1), { error: reset }, { retry: true, kind: 'network', tally: tally(2) }],
    ['a timeout after a 503 on the token endpoint: failures are counted together', token, tally(1), { error: timeout }, { retry: false, why: 'no-answer' }],
    ['no answer after 429s: its backoff counts the failures only', api, tally(0, 5), { error: reset }, { retry: true, delayMs: 50, tally: tally(1, 5) }],
    ['the backoff doubles', { ...api, maxAttempts: 10 }, tally(3), { error: reset }, { retry: true, delayMs: 400 }],
    ['the backoff is capped at retryMaxMs', { ...api, maxAttempts: 20 }, tally(12), { error: reset }, { retry: true, delayMs: 500 }],

    // Retryable statuses.
    ['503: retried with backoff', api, NO_FAILURES, { status: 503 }, { retry: true, kind: 'http', delayMs: 50, serverPacing: false, tally: tally(1) }],
    ['408: retried', api, NO_FAILURES, { status: 408 }, { retry: true, kind: 'http', tally: tally(1) }],
    ['503 with Retry-After: waited in full, plus jitter; the limiter is held', api, NO_FAILURES, { status: 503, retryAfter: '2' }, { retry: true, delayMs: 2100, retryAfterMs: 2000, serverPacing: true }],
    ['Retry-After: 0 is raised to the floor (no tight loop)', api, NO_FAILURES, { status: 503, retryAfter: '0' }, { retry: true, delayMs: 263, retryAfterMs: 0, serverPacing: true }],
    ['Retry-After above the backoff cap: still waited in full', api, NO_FAILURES, { status: 503, retryAfter: '30' }, { retry: true, delayMs: 31_500 }],
    ['Retry-After longer than retryAfterMaxMs: given up at once', api, NO_FAILURES, { status: 429, retryAfter: '3600' }, { retry: false, why: 'wait-too-long', kind: 'http', status: 429, retryAfterMs: 3_600_000, retryAfterMaxMs: 60_000, outage: 'certain' }],
    ['retries used up is said before a Retry-After too long', api, tally(2), { status: 503, retryAfter: '3600' }, { retry: false, why: 'used-up', status: 503 }],
    ['a download waits out any Retry-After', download, NO_FAILURES, { status: 429, retryAfter: '3600' }, { retry: true, delayMs: 3_780_000 }],
    ['5xx the maxAttempts-th time: given up, maybe only this range', api, tally(2), { status: 502 }, { retry: false, why: 'used-up', kind: 'http', status: 502, outage: 'possible' }],
    ['5xx used up on the token endpoint: the service is down', token, tally(2), { status: 500 }, { retry: false, why: 'used-up', outage: 'certain' }],

    // 429: a budget of its own where the door has one.
    ['429 on the API: counted apart from failures, backoff by the larger count, the limiter is held', api, tally(2), { status: 429 }, { retry: true, delayMs: 100, serverPacing: true, tally: tally(2, 1) }],
    ['429 on the API: given up when its budget of maxAttempts × rateLimitedBudget is used', api, tally(0, 8), { status: 429 }, { retry: false, why: 'used-up', status: 429, outage: 'possible' }],
    ['429 on the API one short of its budget: retried', api, tally(0, 7), { status: 429 }, { retry: true, tally: tally(0, 8) }],
    ['429 on the token endpoint: a failure like any other', token, tally(2), { status: 429 }, { retry: false, why: 'used-up', status: 429, outage: 'certain' }],

    // Statuses not worth retrying.
    ['400: given up at once', api, NO_FAILURES, { status: 400 }, { retry: false, why: 'not-retryable', kind: 'http', status: 400 }],
    ['413: given up at once', token, NO_FAILURES, { status: 413, retryAfter: '1' }, { retry: false, why: 'not-retryable', status: 413 }],
  ];

  it.each(cases)('%s', (_name, policy, before, failure, expected) => {
    const decision = decideRetry(policy, before, failure, 7);
    expect(decision).toMatchObject(expected);
    if (!decision.retry) expect(decision.attempts).toBe(7);
  });

  it('a give-up for a status carries no cause; one for no answer no status; not-retryable no outage', () => {
    expect(decideRetry(api, tally(2), { status: 503 }, 3)).not.toHaveProperty('cause');
    expect(decideRetry(api, tally(2), { error: reset }, 3)).not.toHaveProperty('status');
    expect(decideRetry(api, NO_FAILURES, { status: 400 }, 1)).not.toHaveProperty('outage');
    expect(decideRetry(api, NO_FAILURES, { status: 503 }, 1)).not.toHaveProperty('retryAfterMs');
  });

  it('does not change the tally it is given', () => {
    const before = tally(1, 1);
    decideRetry(api, before, { status: 429 }, 3);
    decideRetry(api, before, { error: reset }, 3);
    expect(before).toEqual(tally(1, 1));
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [408, true], [429, true], [500, true], [502, true], [503, true], [504, true], [599, true],
    [200, false], [302, false], [400, false], [401, false], [403, false], [404, false], [409, false], [413, false],
  ])('%i → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('describeGiveUp', () => {
  const where = 'GET /api/v1/Sessions (offset 0)';
  it.each<[string, GiveUp, string]>([
    ['a timeout', { retry: false, attempts: 6, why: 'no-answer', kind: 'timeout', cause: timeout, outage: 'certain' }, `${where} failed after 6 attempts: timed out`],
    ['a connection error', { retry: false, attempts: 6, why: 'no-answer', kind: 'network', cause: reset, outage: 'certain' }, `${where} failed after 6 attempts: ECONNRESET socket hang up`],
    ['retries used up', { retry: false, attempts: 4, why: 'used-up', kind: 'http', status: 503, outage: 'possible' }, `${where} still answered HTTP 503 after 4 attempts`],
    [
      'a Retry-After too long',
      { retry: false, attempts: 1, why: 'wait-too-long', kind: 'http', status: 429, retryAfterMs: 3_600_000, retryAfterMaxMs: 600_000, outage: 'certain' },
      `${where} answered HTTP 429: the server asked to wait 3600 s, longer than MLUVII_RETRY_AFTER_MAX (600 s)`,
    ],
    ['a status not worth retrying', { retry: false, attempts: 1, why: 'not-retryable', kind: 'http', status: 400 }, `${where} answered HTTP 400`],
  ])('%s', (_name, giveUp, message) => {
    expect(describeGiveUp(giveUp, where)).toBe(message);
  });
});

describe('giveUpError', () => {
  it('is a MluviiApiError with the endpoint, status, attempts, kind and outage as fields', () => {
    const err = giveUpError({ retry: false, attempts: 4, why: 'used-up', kind: 'http', status: 503, outage: 'possible' }, 'GET /api/v1/Users', 'the message', []);
    expect(err).toBeInstanceOf(MluviiApiError);
    expect(err).toMatchObject({ message: 'the message', endpoint: 'GET /api/v1/Users', status: 503, attempts: 4, kind: 'http', outage: 'possible' });
    expect(err.cause).toBeUndefined();
  });

  it('keeps what got threw as the cause, and has no status without an answer', () => {
    const err = giveUpError({ retry: false, attempts: 2, why: 'no-answer', kind: 'timeout', cause: timeout, outage: 'certain' }, 'POST /connect/token', 'm', []);
    expect(err).toMatchObject({ kind: 'timeout', attempts: 2, outage: 'certain' });
    expect(err.cause).toBe(timeout);
    expect(err.status).toBeUndefined();
  });

  it('scrubs the secrets and any bearer token from the message', () => {
    const err = giveUpError({ retry: false, attempts: 1, why: 'not-retryable', kind: 'http', status: 400 }, 'GET /x', 'sent s3cret-value with Bearer abc.def.ghi', ['s3cret-value']);
    expect(err.message).not.toContain('s3cret-value');
    expect(err.message).not.toContain('abc.def.ghi');
    expect(err.outage).toBeUndefined();
  });
});

describe('withRetries', () => {
  const noWait = { retryBaseMs: 0, retryMaxMs: 0 };
  function scripted<T>(outcomes: Array<Attempted<T>>) {
    const calls: number[] = [];
    const attempt = async (n: number) => {
      calls.push(n);
      const next = outcomes.shift();
      if (!next) throw new Error('attempted once too often');
      return next;
    };
    return { attempt, calls };
  }

  it('returns the first result without waiting', async () => {
    const { attempt, calls } = scripted([{ done: 'body' }]);
    const slept: number[] = [];
    const result = await withRetries(attempt, api, { giveUp: () => 'gave up', sleep: async (ms) => void slept.push(ms) });
    expect(result).toBe('body');
    expect(calls).toEqual([1]);
    expect(slept).toEqual([]);
  });

  it('sleeps the policy’s delay between attempts, telling the door first', async () => {
    const { attempt, calls } = scripted<string>([{ failed: { status: 503 } }, { failed: { status: 429, retryAfter: '1' } }, { done: 'body' }]);
    const events: string[] = [];
    const result = await withRetries(attempt, api, {
      giveUp: () => 'gave up',
      onRetry: (r, failure, attempts) => events.push(`retry ${attempts} ${'status' in failure ? failure.status : '-'} ${r.delayMs} ${r.serverPacing}`),
      sleep: async (ms) => void events.push(`sleep ${ms}`),
    });
    expect(result).toBe('body');
    expect(calls).toEqual([1, 2, 3]);
    expect(events).toEqual(['retry 1 503 50 false', 'sleep 50', 'retry 2 429 1050 true', 'sleep 1050']);
  });

  it('AGAIN tries at once and is no failure, but counts as an attempt', async () => {
    const { attempt, calls } = scripted<string>([AGAIN, { failed: { error: reset } }, AGAIN, { failed: { error: reset } }, { failed: { error: reset } }]);
    const given: GiveUp[] = [];
    const slept: number[] = [];
    const result = await withRetries(attempt, { ...api, ...noWait }, { giveUp: (g) => (given.push(g), 'gave up'), sleep: async (ms) => void slept.push(ms) });
    expect(result).toBe('gave up');
    expect(calls).toEqual([1, 2, 3, 4, 5]);
    expect(slept).toEqual([0, 0]);
    expect(given).toEqual([expect.objectContaining({ why: 'no-answer', attempts: 5 })]);
  });

  it('carries the tally from one failure to the next (429s on their budget, the rest as failures)', async () => {
    const outcomes: Array<Attempted<string>> = [...Array(8).fill({ failed: { status: 429 } }), { failed: { status: 500 } }, { failed: { status: 500 } }, { failed: { status: 429 } }];
    const { attempt, calls } = scripted(outcomes);
    const tallies: RetryTally[] = [];
    await expect(
      withRetries(attempt, { ...api, ...noWait }, {
        giveUp: (g) => {
          throw giveUpError(g, 'GET /x', describeGiveUp(g, 'GET /x'), []);
        },
        onRetry: (r) => void tallies.push(r.tally),
        sleep: async () => undefined,
      }),
    ).rejects.toMatchObject({ message: 'GET /x still answered HTTP 429 after 11 attempts', attempts: 11, status: 429 });
    expect(calls).toHaveLength(11);
    expect(tallies.at(-1)).toEqual(tally(2, 8));
  });

  it('an error the attempt throws ends the call as it is, without a retry', async () => {
    const refused = new MluviiApiError('refused', { endpoint: 'POST /t', attempts: 1, kind: 'auth' });
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls += 1;
        throw refused;
      }, api, { giveUp: () => 'gave up', sleep: async () => undefined }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });
});

/**
 * The three doors that retry (the API transport, the token endpoint, file downloads) against a
 * scripted got: what each one says when it gives up, what it counts and logs, and when it holds
 * the limiter. The rules themselves are tested in retry-policy.test.ts; these pin each door's part.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { PassThrough, Writable } from 'node:stream';
import type { Got } from 'got';
import { createLogger } from '../../src/log.js';
import { TokenSource } from '../../src/mluvii/auth.js';
import { MluviiApiError } from '../../src/mluvii/errors.js';
import { FileDownloader } from '../../src/mluvii/file-download.js';
import { RateLimiter } from '../../src/mluvii/rate-limiter.js';
import { NOT_FOUND, Transport } from '../../src/mluvii/transport.js';

type Scripted = { status: number; headers?: Record<string, string>; body?: string } | Error;

const timeout = () => Object.assign(new Error('Timeout awaiting request for 150ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const ok = (body: string): Scripted => ({ status: 200, headers: { 'content-type': 'application/json' }, body });

/** A logger whose JSON lines are kept. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** got with one method, answering from `script` in order. */
function scriptedGot(method: 'get' | 'post', script: Scripted[]) {
  const calls: string[] = [];
  const fn = async (url: string) => {
    calls.push(url);
    const next = script.shift();
    if (!next) throw new Error('sent once too often');
    if (next instanceof Error) throw next;
    return { statusCode: next.status, headers: next.headers ?? {}, body: next.body ?? '', timings: {} };
  };
  return { http: { [method]: fn } as unknown as Got, calls };
}

const retry = { maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 5, retryAfterMaxMs: 600_000 };

describe('the token endpoint', () => {
  function tokens(script: Scripted[]) {
    const { http, calls } = scriptedGot('post', script);
    const { logger, lines } = capturingLogger();
    const source = new TokenSource({ tokenUrl: 'https://id.example/connect/token', clientId: 'etl', clientSecret: 'the-client-secret', http, logger, retry });
    return { source, calls, lines };
  }
  const error = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as MluviiApiError);

  it('5xx and 429 are retried as failures alike, then the token comes', async () => {
    const { source, calls } = tokens([{ status: 503 }, { status: 429 }, ok('{"access_token":"tok-abcdef","expires_in":3600}')]);
    expect(await source.token()).toBe('tok-abcdef');
    expect(calls).toHaveLength(3);
    expect(source.requestCount).toBe(3);
  });

  it.each([503, 429])('%i until maxAttempts: the token endpoint is unavailable (an outage)', async (status) => {
    const { source } = tokens([{ status }, { status }, { status }]);
    const err = await error(source.token());
    expect(err).toBeInstanceOf(MluviiApiError);
    expect(err).toMatchObject({
      message: `the token endpoint is unavailable: POST /connect/token still answered HTTP ${status} after 3 attempts`,
      endpoint: 'POST /connect/token', kind: 'http', status, attempts: 3, outage: 'certain',
    });
  });

  it('a hanging endpoint is given up after TOKEN_TIMEOUT_ATTEMPTS timeouts', async () => {
    const { source, calls } = tokens([timeout(), timeout(), ok('{}')]);
    const err = await error(source.token());
    expect(err).toMatchObject({
      message: 'the token endpoint is unavailable: POST /connect/token did not answer in time (MLUVII_REQUEST_TIMEOUT), 2 attempts',
      kind: 'timeout', attempts: 2, outage: 'certain',
    });
    expect(err?.status).toBeUndefined();
    expect(err?.cause).toMatchObject({ name: 'TimeoutError' });
    expect(calls).toHaveLength(2);
  });

  it('connection errors: maxAttempts, then "failed:" with the code', async () => {
    const { source } = tokens([reset(), reset(), reset()]);
    expect(await error(source.token())).toMatchObject({
      message: 'the token endpoint is unavailable: POST /connect/token failed: ECONNRESET socket hang up, 3 attempts',
      kind: 'network', attempts: 3, outage: 'certain',
    });
  });

  it('a Retry-After longer than MLUVII_RETRY_AFTER_MAX fails at once', async () => {
    const { source, calls } = tokens([{ status: 503, headers: { 'retry-after': '3600' } }]);
    expect(await error(source.token())).toMatchObject({
      message: 'POST /connect/token answered HTTP 503: the server asked to wait 3600 s, longer than MLUVII_RETRY_AFTER_MAX (600 s)',
      kind: 'http', status: 503, attempts: 1, outage: 'certain',
    });
    expect(calls).toHaveLength(1);
  });

  it('another status is not retried, not an outage, and not remembered', async () => {
    const { source, calls } = tokens([{ status: 418 }, ok('{"access_token":"tok-abcdef"}')]);
    const err = await error(source.token());
    expect(err).toMatchObject({ message: 'POST /connect/token answered HTTP 418', kind: 'http', status: 418, attempts: 1 });
    expect(err?.outage).toBeUndefined();
    expect(await source.token()).toBe('tok-abcdef');
    expect(calls).toHaveLength(2);
  });

  it('a wait of 5 s or more is logged at info with its reason', async () => {
    const { source, lines } = tokens([{ status: 503, headers: { 'retry-after': '5' } }, ok('{"access_token":"tok-abcdef"}')]);
    expect(await source.token()).toBe('tok-abcdef');
    const waits = lines.filter((l) => l.msg.startsWith('waiting'));
    expect(waits).toEqual([expect.objectContaining({ level: 30, msg: 'waiting 5 s: the token endpoint answered HTTP 503 with Retry-After', endpoint: 'POST /connect/token' })]);
  }, 10_000);
});

describe('the API transport', () => {
  function transport(script: Scripted[]) {
    const { http, calls } = scriptedGot('get', script);
    const { logger, lines } = capturingLogger();
    const limiter = new RateLimiter({ rps: 1000, concurrency: 4 });
    const answered = jest.spyOn(limiter, 'answered');
    const holdFor = jest.spyOn(limiter, 'holdFor');
    const tokens = { token: async () => 'tok-abcdef', invalidate: () => undefined } as unknown as TokenSource;
    const t = new Transport({ baseUrl: 'https://api.example', http, limiter, tokens, logger, retry, secrets: ['the-client-secret'] });
    return { t, calls, lines, answered, holdFor };
  }
  const error = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as MluviiApiError);

  it('5xx until maxAttempts: "still answered", maybe only this range; each retry counted', async () => {
    const { t, calls } = transport([{ status: 503 }, { status: 502 }, { status: 500 }]);
    expect(await error(t.getJson('/api/v1/Users', undefined, 'ctx'))).toMatchObject({
      message: 'GET /api/v1/Users (ctx) still answered HTTP 500 after 3 attempts',
      endpoint: 'GET /api/v1/Users', kind: 'http', status: 500, attempts: 3, outage: 'possible',
    });
    expect(calls).toHaveLength(3);
    expect(t.requestCount).toBe(3);
    expect(t.retryCount).toBe(2);
    expect(t.rateLimitedCount).toBe(0);
  });

  it('429s have a budget of their own (3 × maxAttempts) and each one holds the limiter', async () => {
    const { t, holdFor, answered } = transport(Array.from({ length: 9 }, () => ({ status: 429 })));
    expect(await error(t.getJson('/api/v1/Users'))).toMatchObject({ message: 'GET /api/v1/Users still answered HTTP 429 after 9 attempts', status: 429, attempts: 9, outage: 'possible' });
    expect(t.rateLimitedCount).toBe(9);
    expect(t.retryCount).toBe(8);
    expect(holdFor).toHaveBeenCalledTimes(8);
    expect(answered.mock.calls).toEqual(Array.from({ length: 9 }, () => ['throttled']));
  });

  it('429s do not use up the failures: 429, 429, 503, 503, then the body', async () => {
    const { t, holdFor, answered } = transport([{ status: 429 }, { status: 429 }, { status: 503 }, { status: 503 }, ok('[1]')]);
    expect(await t.getJson('/api/v1/Users')).toEqual([1]);
    expect(t.rateLimitedCount).toBe(2);
    expect(t.retryCount).toBe(4);
    expect(holdFor).toHaveBeenCalledTimes(2);
    expect(answered.mock.calls.map((c) => c[0])).toEqual(['throttled', 'throttled', 'ok', 'ok', 'ok']);
  });

  it('a 503 with Retry-After holds the limiter for the delay and slows an adaptive rate', async () => {
    const { t, holdFor, answered } = transport([{ status: 503, headers: { 'retry-after': '0' } }, ok('{}')]);
    expect(await t.getJson('/api/v1/Users')).toEqual({});
    expect(holdFor).toHaveBeenCalledTimes(1);
    expect(holdFor.mock.calls[0][0]).toBeGreaterThanOrEqual(5);
    expect(answered.mock.calls.map((c) => c[0])).toEqual(['throttled', 'ok']);
  });

  it('a Retry-After longer than MLUVII_RETRY_AFTER_MAX fails at once, an outage; the 429 is still counted', async () => {
    const { t, calls } = transport([{ status: 429, headers: { 'retry-after': '3600' } }]);
    expect(await error(t.getJson('/api/v1/Users'))).toMatchObject({
      message: 'GET /api/v1/Users answered HTTP 429: the server asked to wait 3600 s, longer than MLUVII_RETRY_AFTER_MAX (600 s)',
      kind: 'http', status: 429, attempts: 1, outage: 'certain',
    });
    expect(calls).toHaveLength(1);
    expect(t.rateLimitedCount).toBe(1);
    expect(t.retryCount).toBe(0);
  });

  it('timeouts until maxAttempts: the API is unavailable; each retry said at info', async () => {
    const { t, lines } = transport([timeout(), timeout(), timeout()]);
    const err = await error(t.getJson('/api/v1/Users', undefined, 'ctx'));
    expect(err).toMatchObject({
      message: 'the mluvii API is unavailable: GET /api/v1/Users (ctx) failed after 3 attempts: no answer within MLUVII_REQUEST_TIMEOUT',
      kind: 'timeout', attempts: 3, outage: 'certain',
    });
    expect(err?.status).toBeUndefined();
    expect(t.retryCount).toBe(2);
    expect(lines.filter((l) => l.level === 30).map((l) => [l.msg, l.attempt])).toEqual([
      ['no answer within MLUVII_REQUEST_TIMEOUT from GET /api/v1/Users; retrying', 1],
      ['no answer within MLUVII_REQUEST_TIMEOUT from GET /api/v1/Users; retrying', 2],
    ]);
  });

  it('connection errors: retried with a debug line naming the error, then the API is unavailable', async () => {
    const { t, lines, answered } = transport([reset(), reset(), reset()]);
    expect(await error(t.getJson('/api/v1/Users'))).toMatchObject({
      message: 'the mluvii API is unavailable: GET /api/v1/Users failed after 3 attempts: ECONNRESET socket hang up',
      kind: 'network', attempts: 3, outage: 'certain',
    });
    expect(lines.filter((l) => l.msg === 'mluvii request failed, retrying').map((l) => [l.attempt, l.error])).toEqual([
      [1, 'ECONNRESET socket hang up'],
      [2, 'ECONNRESET socket hang up'],
    ]);
    expect(answered).not.toHaveBeenCalled();
  });

  it('a token renewal is an attempt but not a failure: 401, then maxAttempts 5xx', async () => {
    const { t } = transport([{ status: 401 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    expect(await error(t.getJson('/api/v1/Users'))).toMatchObject({ message: 'GET /api/v1/Users still answered HTTP 503 after 4 attempts', attempts: 4 });
    expect(t.retryCount).toBe(2);
  });

  it('another status is an error at once with the start of the body; a 404 is returned', async () => {
    const { t } = transport([{ status: 400, body: '{"errors": {"limit": ["too large"]}}' }, { status: 404 }]);
    expect(await error(t.getJson('/api/v1/Sessions'))).toMatchObject({ message: 'GET /api/v1/Sessions answered HTTP 400: {"errors": {"limit": ["too large"]}}', kind: 'http', status: 400, attempts: 1 });
    expect(await t.getJson('/api/v1/Sessions/1')).toBe(NOT_FOUND);
    expect(t.retryCount).toBe(0);
  });
});

describe('file downloads', () => {
  const url = 'https://api.example/files/7';
  function downloader(script: Scripted[]) {
    const calls: string[] = [];
    const stream = (u: string) => {
      calls.push(u);
      const next = script.shift();
      const s = new PassThrough();
      setImmediate(() => {
        if (!next) s.emit('error', new Error('sent once too often'));
        else if (next instanceof Error) s.emit('error', next);
        else {
          s.emit('response', { statusCode: next.status, headers: next.headers ?? {} });
          s.end(next.body ?? '');
        }
      });
      return s;
    };
    const { logger, lines } = capturingLogger();
    const limiter = new RateLimiter({ rps: 1000, concurrency: 4 });
    const holdFor = jest.spyOn(limiter, 'holdFor');
    const tokens = { token: async () => 'tok-abcdef', invalidate: () => undefined } as unknown as TokenSource;
    const d = new FileDownloader({ apiOrigin: 'https://api.example', http: { stream } as unknown as Got, limiter, tokens, logger, retry });
    return { d, calls, lines, holdFor };
  }
  const consume = async () => 'consumed';

  it('5xx until maxAttempts: failed, with the status', async () => {
    const { d, calls } = downloader([{ status: 503 }, { status: 500 }, { status: 502 }]);
    expect(await d.download(url, consume)).toStrictEqual({ kind: 'failed', reason: `GET ${url} still answered HTTP 502 after 3 attempts`, status: 502 });
    expect(calls).toHaveLength(3);
  });

  it('429s have their own budget and hold the limiter', async () => {
    const { d, holdFor } = downloader([...Array.from({ length: 8 }, () => ({ status: 429 })), { status: 200, body: 'x' }]);
    expect(await d.download(url, consume)).toStrictEqual({ kind: 'ok', value: 'consumed' });
    expect(holdFor).toHaveBeenCalledTimes(8);
  });

  it('no answer until maxAttempts: failed, without a status; each retry at debug', async () => {
    const { d, lines } = downloader([reset(), reset(), timeout()]);
    expect(await d.download(url, consume)).toStrictEqual({ kind: 'failed', reason: `GET ${url} failed after 3 attempts: timed out` });
    expect(lines.filter((l) => l.msg === 'download failed, retrying').map((l) => [l.attempt, l.error, l.url])).toEqual([
      [1, 'ECONNRESET socket hang up', url],
      [2, 'ECONNRESET socket hang up', url],
    ]);
  });

  it('another status fails at once, with the status', async () => {
    const { d, calls } = downloader([{ status: 418 }]);
    expect(await d.download(url, consume)).toStrictEqual({ kind: 'failed', reason: `GET ${url} answered HTTP 418`, status: 418 });
    expect(calls).toHaveLength(1);
  });
});

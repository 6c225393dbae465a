/**
 * One API call = a loop of attempts (with-retries.ts), each through the rate limiter:
 *
 * - 2xx: the JSON body. A 2xx HTML page is the login page: treated like a 401.
 * - 401, or a redirect to a login page: renew the token once and retry at once; a second one is
 *   an `auth` error ("credentials refused"). Redirects are never followed.
 * - 408, 5xx, timeouts, connection errors: retried as retry-policy.ts decides (backoff with full
 *   jitter, Retry-After honoured in full, up to `maxAttempts` attempts).
 * - 429: the same, but counted against a budget of RATE_LIMITED_BUDGET × maxAttempts answers:
 *   a 429 is the server pacing us, not failing, and each one also holds the whole limiter (the
 *   server spoke to every request, not just this one), so the client slows down instead of giving
 *   up on a request that merely queued behind others. Still bounded.
 * - 404: returned to the caller, which knows whether it means "no such thing".
 * - Anything else: an `http` error at once (retrying a 400 changes nothing).
 */
import type { Readable } from 'node:stream';
import type { Got } from 'got';
import type { Logger } from '../log.js';
import { scrubSecrets } from '../log.js';
import type { TokenSource } from './auth.js';
import { MluviiApiError, type MluviiApiErrorKind, type MluviiOutage } from './errors.js';
import { ListShapeError } from './list-items-splitter.js';
import { describeNetworkError } from './network-errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { describeGiveUp, giveUpError, isRetryableStatus, LONG_WAIT_MS, RATE_LIMITED_BUDGET, type Failure, type GiveUp, type Retry, type RetryPolicy, type RetrySettings } from './retry-policy.js';
import { AGAIN, withRetries } from './with-retries.js';

export interface TransportOptions {
  baseUrl: string;
  http: Got;
  limiter: RateLimiter;
  tokens: TokenSource;
  logger: Logger;
  retry: RetrySettings;
  /** Scrubbed from every error message (besides every token held, see log.ts registerSecrets). */
  secrets: string[];
}

/** What getJson can report besides the body. */
export interface GetJsonOptions {
  /** Called with the answer's body text before it is parsed (its size, a scan for characters Postgres refuses). */
  onBody?: (text: string) => void;
}

export const NOT_FOUND = Symbol('not found');

/**
 * How a 2xx body is read: whole, as text parsed by JSON.parse; or as a stream of chunks handed to
 * `consume` inside the request's limiter slot, never as one string (a list page can be larger
 * than any string). `consume` throws ListShapeError for a body that is not what it reads.
 */
type BodyReader<T> = { text: GetJsonOptions } | { stream: (body: AsyncIterable<Buffer>) => Promise<T> };

/** A call that is not a plain GET: its method, JSON body, and the error statuses its caller reads itself (409: "exists already"). */
interface Outgoing {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  json?: unknown;
  pass: readonly number[];
}

/** What `send` answers: the status and the parsed JSON body (undefined when empty). */
export interface SentAnswer {
  status: number;
  body: unknown;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  token: string;
  /** A streamed 2xx body, read by the consumer. */
  consumed?: { value: unknown };
}

/** Of a body that is not streamed to its consumer (an error page), at most this much is read. */
const ERROR_BODY_BYTES = 65_536;

const LOGIN_PAGE = /login|account|signin|connect\/authorize/i;

export class Transport {
  /** API requests sent, including retries (not token requests). */
  requestCount = 0;
  /** Answers HTTP 429, and attempts that were retried (any reason): recorded per run in etl.runs. */
  rateLimitedCount = 0;
  retryCount = 0;
  private readonly base: string;
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: TransportOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    // 5xx or 429 until the retries ran out may be this range or item only, not the whole API.
    this.policy = { ...opts.retry, rateLimitedBudget: RATE_LIMITED_BUDGET, outageWhenUsedUp: 'possible' };
  }

  /**
   * GETs `path` (e.g. `/api/v1/Sessions/12`) and returns the parsed JSON, or NOT_FOUND on a 404.
   * `context` (e.g. the window and offset) is added to error messages.
   */
  getJson(path: string, query?: URLSearchParams, context?: string, extra: GetJsonOptions = {}): Promise<unknown | typeof NOT_FOUND> {
    return this.call<unknown>(path, query, context, { text: extra });
  }

  /**
   * Like getJson, but a 2xx body is streamed to `consume` (inside the limiter slot, while the
   * request holds its concurrency slot) and its result returned. A failure while reading (a
   * connection cut) is retried like any other; a ListShapeError from `consume` fails at once.
   */
  getStreamed<T>(path: string, query: URLSearchParams | undefined, context: string | undefined, consume: (body: AsyncIterable<Buffer>) => Promise<T>): Promise<T | typeof NOT_FOUND> {
    return this.call<T>(path, query, context, { stream: consume });
  }

  /**
   * A call with a method and a JSON body (webhook registration): retried like a GET (a POST that
   * reached the server before a failure meets its 409 on the retry); a 2xx, or a status in `pass`,
   * comes back with its parsed body; a 404 is NOT_FOUND.
   */
  send(method: Outgoing['method'], path: string, json: unknown, pass: readonly number[] = []): Promise<SentAnswer | typeof NOT_FOUND> {
    return this.call<SentAnswer>(path, undefined, undefined, { text: {} }, { method, json, pass });
  }

  private async call<T>(path: string, query: URLSearchParams | undefined, context: string | undefined, read: BodyReader<T>, out?: Outgoing): Promise<T | typeof NOT_FOUND> {
    const { opts } = this;
    const endpoint = `${out?.method ?? 'GET'} ${path}`;
    const where = context ? `${endpoint} (${context})` : endpoint;
    const url = `${this.base}${path}${query && [...query.keys()].length ? `?${query}` : ''}`;
    let attempts = 0;
    let renewed = false;
    const fail = (message: string, kind: MluviiApiErrorKind, status?: number, cause?: unknown, outage?: MluviiOutage) =>
      new MluviiApiError(scrubSecrets(message, opts.secrets), { endpoint, status, attempts, kind, cause, outage });

    return withRetries<T | typeof NOT_FOUND>(
      async (n) => {
        attempts = n;
        let answer: Answer;
        try {
          answer = await opts.limiter.run((leftAfter) => ('stream' in read ? this.attemptStreamed(url, leftAfter, read.stream) : this.attempt(url, leftAfter, out)));
        } catch (err) {
          // From the token source (refused credentials, an unreachable identity server): already final.
          if (err instanceof MluviiApiError) throw err;
          if (err instanceof ListShapeError) throw fail(`${where} answered HTTP 200 with a body that ${err.message}`, 'payload', 200);
          return { failed: { error: err } };
        }

        const { status, headers, body } = answer;
        // MLUVII_RPS=auto: a 429 or a Retry-After is the server saying "slower"; any other answer lets the rate grow.
        opts.limiter.answered(status === 429 || headers['retry-after'] !== undefined ? 'throttled' : 'ok');
        if (answer.consumed) return { done: answer.consumed.value as T };
        const html = /^text\/html/i.test(String(headers['content-type'] ?? ''));
        const location = headers.location === undefined ? undefined : String(headers.location);
        if (status === 401 || (status >= 300 && status < 400 && (location === undefined || LOGIN_PAGE.test(location))) || (status >= 200 && status < 300 && html)) {
          if (!renewed) {
            renewed = true;
            opts.tokens.invalidate(answer.token);
            opts.logger.debug({ endpoint, status }, 'mluvii rejected the token, renewing it once');
            return AGAIN;
          }
          if (status >= 200 && status < 300) {
            // Not a redirect: an HTML page with a 2xx status is a proxy's, a maintenance or an error page.
            const title = /<title[^>]*>([^<]{0,120})<\/title>/i.exec(body)?.[1]?.trim();
            throw fail(
              `${where} answered HTTP ${status} with an HTML page${title ? ` ("${title}")` : ''} instead of JSON, even with a freshly issued token: a maintenance or proxy page, or MLUVII_BASE_URL is not the API host`,
              'payload',
              status,
              undefined,
              'certain',
            );
          }
          throw fail(
            `mluvii refused the API credentials: ${where} answered HTTP ${status}${status === 401 ? '' : ' (a redirect to the login page)'} even with a freshly issued token — check MLUVII_CLIENT_ID, MLUVII_CLIENT_SECRET and the API user's permissions`,
            'auth',
            status,
          );
        }
        if (out && ((status >= 200 && status < 300) || out.pass.includes(status))) {
          try {
            return { done: { status, body: body.trim() === '' ? undefined : JSON.parse(body) } as T };
          } catch (err) {
            throw fail(`${where} answered HTTP ${status} with a body that is not JSON (${body.length} bytes)`, 'payload', status, err);
          }
        }
        if (status >= 200 && status < 300 && 'text' in read) {
          read.text.onBody?.(body);
          try {
            return { done: JSON.parse(body) as T };
          } catch (err) {
            throw fail(`${where} answered HTTP ${status} with a body that is not JSON (${body.length} bytes)`, 'payload', status, err);
          }
        }
        if (status === 404) return { done: NOT_FOUND };
        if (status >= 300 && status < 400) {
          throw fail(`${where} answered HTTP ${status}, a redirect to ${location}: is MLUVII_BASE_URL right? (redirects are not followed)`, 'http', status);
        }
        if (status === 403) {
          throw fail(`${where} answered HTTP 403: the API user may not read this (check its permissions in mluvii administration)`, 'auth', status);
        }
        if (!isRetryableStatus(status)) throw fail(`${where} answered HTTP ${status}${html ? '' : `: ${snippet(body)}`}`, 'http', status);
        if (status === 429) this.rateLimitedCount += 1;
        return { failed: { status, retryAfter: headers['retry-after'] } };
      },
      this.policy,
      {
        onRetry: (retry, failure) => this.beforeRetry(endpoint, attempts, retry, failure),
        giveUp: (giveUp) => {
          throw giveUpError(giveUp, endpoint, giveUpMessage(giveUp, where), opts.secrets);
        },
      },
    );
  }

  /** Holds the limiter when the server paces us, logs and counts the retry. */
  private beforeRetry(endpoint: string, attempt: number, retry: Retry, failure: Failure): void {
    const { logger, limiter } = this.opts;
    let reason: string;
    if ('error' in failure) {
      const error = describeNetworkError(failure.error);
      // A timeout is a long silent wait already: said at info, so a stalled run is never silent.
      if (retry.kind === 'timeout') logger.info({ endpoint, attempt }, `no answer within MLUVII_REQUEST_TIMEOUT from ${endpoint}; retrying`);
      logger.debug({ endpoint, attempt, error, delayMs: retry.delayMs }, 'mluvii request failed, retrying');
      reason = retry.kind === 'timeout' ? 'the request timed out' : `the request failed (${error})`;
    } else {
      // Nobody sends before the server's Retry-After has passed: the whole limiter waits.
      if (retry.serverPacing) limiter.holdFor(retry.delayMs);
      logger.debug({ endpoint, status: failure.status, attempt, delayMs: retry.delayMs }, 'mluvii answered with a retryable status, retrying');
      reason = `the server answered HTTP ${failure.status}${retry.retryAfterMs !== undefined ? ` with Retry-After ${Math.ceil(retry.retryAfterMs / 1000)} s` : ''}`;
    }
    this.retryCount += 1;
    if (retry.delayMs >= LONG_WAIT_MS) logger.info({ endpoint, waitS: Math.round(retry.delayMs / 100) / 10, reason }, `waiting ${Math.round(retry.delayMs / 1000)} s before retrying: ${reason}`);
  }

  /**
   * One request; runs inside the limiter, so the token is taken at the moment of sending. Tells
   * the limiter when the request actually left (got's timings): on a busy event loop that can be
   * tens of ms after its start, and the server's rolling second counts from its arrival.
   */
  private async attempt(url: string, leftAfter: (ms: number) => void, out?: Outgoing): Promise<Answer> {
    const started = Date.now();
    const token = await this.opts.tokens.token();
    this.requestCount += 1;
    const headers = { authorization: `Bearer ${token}` };
    const res = out
      ? await this.opts.http(url, { method: out.method, headers, ...(out.json === undefined ? {} : { json: out.json }) })
      : await this.opts.http.get(url, { headers });
    const upload = res.timings?.upload;
    if (upload !== undefined) leftAfter(upload - started);
    return { status: res.statusCode, headers: res.headers, body: res.body, token };
  }

  /** One streamed request: a 2xx JSON body goes to `consume`; any other body is read as text (its start only). */
  private async attemptStreamed<T>(url: string, leftAfter: (ms: number) => void, consume: (body: AsyncIterable<Buffer>) => Promise<T>): Promise<Answer> {
    const started = Date.now();
    const token = await this.opts.tokens.token();
    this.requestCount += 1;
    const stream = this.opts.http.stream(url, { headers: { authorization: `Bearer ${token}` } });
    try {
      const res = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; timings?: { upload?: number } }>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
      });
      const upload = res.timings?.upload;
      if (upload !== undefined) leftAfter(upload - started);
      const { statusCode: status, headers } = res;
      const html = /^text\/html/i.test(String(headers['content-type'] ?? ''));
      if (status >= 200 && status < 300 && !html) return { status, headers, body: '', token, consumed: { value: await consume(stream) } };
      return { status, headers, body: await startOf(stream, ERROR_BODY_BYTES), token };
    } finally {
      stream.destroy();
    }
  }
}

/** Retries used up without an answer mean the API itself is unavailable, and say so first. */
function giveUpMessage(giveUp: GiveUp, where: string): string {
  if (giveUp.why !== 'no-answer') return describeGiveUp(giveUp, where);
  const what = giveUp.kind === 'timeout' ? 'no answer within MLUVII_REQUEST_TIMEOUT' : describeNetworkError(giveUp.cause);
  return `the mluvii API is unavailable: ${where} failed after ${giveUp.attempts} attempts: ${what}`;
}

/** The first `max` bytes of a body, as text; the rest is not read. */
async function startOf(body: Readable, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parts.push(chunk);
    bytes += chunk.length;
    if (bytes >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}

/** The start of an error body (e.g. ASP.NET's validation dictionary), on one line. */
function snippet(body: string): string {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s || '(empty body)';
}

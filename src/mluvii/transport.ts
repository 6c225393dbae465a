/**
 * One API call = a loop of attempts, each through the rate limiter:
 *
 * - 2xx: the JSON body. A 2xx HTML page is the login page: treated like a 401.
 * - 401, or a redirect to a login page: renew the token once and retry at once; a second one is
 *   an `auth` error ("credentials refused"). Redirects are never followed.
 * - 408, 5xx, timeouts, connection errors: retried with exponential backoff and full jitter,
 *   honouring Retry-After (floored and capped, retry-delay.ts), up to `maxAttempts` attempts.
 * - 429: the same, but counted against a budget of RATE_LIMITED_BUDGET × maxAttempts answers:
 *   a 429 is the server pacing us, not failing, and each one also holds the whole limiter (the
 *   server spoke to every request, not just this one), so the client slows down instead of giving
 *   up on a request that merely queued behind others. Still bounded.
 * - 404: returned to the caller, which knows whether it means "no such thing".
 * - Anything else: an `http` error at once (retrying a 400 changes nothing).
 *
 * got does one attempt (its own retry is off: its retries could not go back through the limiter).
 */
import type { Got } from 'got';
import type { Logger } from '../log.js';
import { scrubSecrets } from '../log.js';
import { LONG_WAIT_MS, type TokenSource } from './auth.js';
import { MluviiApiError, type MluviiApiErrorKind, type MluviiOutage } from './errors.js';
import { describeNetworkError, isTimeoutError } from './network-errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { parseRetryAfter, retryDelay } from './retry-delay.js';
import { sleep } from '../util/sleep.js';

export interface TransportOptions {
  baseUrl: string;
  http: Got;
  limiter: RateLimiter;
  tokens: TokenSource;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A Retry-After longer than this fails the call at once (MLUVII_RETRY_AFTER_MAX). */
  retryAfterMaxMs: number;
  /** Scrubbed from every error message (besides every token held, see log.ts registerSecrets). */
  secrets: string[];
}

/** What getJson can report besides the body. */
export interface GetJsonOptions {
  /** Called with the answer's body text before it is parsed (its size, a scan for characters Postgres refuses). */
  onBody?: (text: string) => void;
}

export const NOT_FOUND = Symbol('not found');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  token: string;
}

export const RATE_LIMITED_BUDGET = 3;
const LOGIN_PAGE = /login|account|signin|connect\/authorize/i;

export class Transport {
  /** API requests sent, including retries (not token requests). */
  requestCount = 0;
  /** Answers HTTP 429, and attempts that were retried (any reason): recorded per run in etl.runs. */
  rateLimitedCount = 0;
  retryCount = 0;
  private readonly base: string;

  constructor(private readonly opts: TransportOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /**
   * GETs `path` (e.g. `/api/v1/Sessions/12`) and returns the parsed JSON, or NOT_FOUND on a 404.
   * `context` (e.g. the window and offset) is added to error messages.
   */
  async getJson(path: string, query?: URLSearchParams, context?: string, extra: GetJsonOptions = {}): Promise<unknown | typeof NOT_FOUND> {
    const { opts } = this;
    const endpoint = `GET ${path}`;
    const where = context ? `${endpoint} (${context})` : endpoint;
    const url = `${this.base}${path}${query && [...query.keys()].length ? `?${query}` : ''}`;
    let attempts = 0;
    let failures = 0;
    let rateLimited = 0;
    let renewed = false;
    const fail = (message: string, kind: MluviiApiErrorKind, status?: number, cause?: unknown, outage?: MluviiOutage) =>
      new MluviiApiError(scrubSecrets(message, opts.secrets), { endpoint, status, attempts, kind, cause, outage });
    const wait = async (ms: number, reason: string) => {
      if (ms >= LONG_WAIT_MS) opts.logger.info({ endpoint, waitS: Math.round(ms / 100) / 10, reason }, `waiting ${Math.round(ms / 1000)} s before retrying: ${reason}`);
      await sleep(ms);
    };

    for (;;) {
      attempts += 1;
      let answer: Answer;
      try {
        answer = await opts.limiter.run((leftAfter) => this.attempt(url, leftAfter));
      } catch (err) {
        // From the token source (refused credentials, an unreachable identity server): already final.
        if (err instanceof MluviiApiError) throw err;
        failures += 1;
        const kind = isTimeoutError(err) ? 'timeout' : 'network';
        if (failures >= opts.maxAttempts) {
          const what = kind === 'timeout' ? 'no answer within MLUVII_REQUEST_TIMEOUT' : describeNetworkError(err);
          throw fail(`the mluvii API is unavailable: ${where} failed after ${attempts} attempts: ${what}`, kind, undefined, err, 'certain');
        }
        const delay = retryDelay({ attempt: failures, baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs });
        // A timeout is a long silent wait already: said at info, so a stalled run is never silent.
        if (kind === 'timeout') opts.logger.info({ endpoint, attempt: attempts }, `no answer within MLUVII_REQUEST_TIMEOUT from ${endpoint}; retrying`);
        opts.logger.debug({ endpoint, attempt: attempts, error: describeNetworkError(err), delayMs: delay }, 'mluvii request failed, retrying');
        this.retryCount += 1;
        await wait(delay, kind === 'timeout' ? 'the request timed out' : `the request failed (${describeNetworkError(err)})`);
        continue;
      }

      const { status, headers, body } = answer;
      // MLUVII_RPS=auto: a 429 or a Retry-After is the server saying "slower"; any other answer lets the rate grow.
      opts.limiter.answered(status === 429 || headers['retry-after'] !== undefined ? 'throttled' : 'ok');
      const html = /^text\/html/i.test(String(headers['content-type'] ?? ''));
      const location = headers.location === undefined ? undefined : String(headers.location);
      if (status === 401 || (status >= 300 && status < 400 && (location === undefined || LOGIN_PAGE.test(location))) || (status >= 200 && status < 300 && html)) {
        if (!renewed) {
          renewed = true;
          opts.tokens.invalidate(answer.token);
          opts.logger.debug({ endpoint, status }, 'mluvii rejected the token, renewing it once');
          continue;
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
      if (status >= 200 && status < 300) {
        extra.onBody?.(body);
        try {
          return JSON.parse(body) as unknown;
        } catch (err) {
          throw fail(`${where} answered HTTP ${status} with a body that is not JSON (${body.length} bytes)`, 'payload', status, err);
        }
      }
      if (status === 404) return NOT_FOUND;
      if (status >= 300 && status < 400) {
        throw fail(`${where} answered HTTP ${status}, a redirect to ${location}: is MLUVII_BASE_URL right? (redirects are not followed)`, 'http', status);
      }
      if (status === 403) {
        throw fail(`${where} answered HTTP 403: the API user may not read this (check its permissions in mluvii administration)`, 'auth', status);
      }
      if (status === 429 || status === 408 || status >= 500) {
        if (status === 429) {
          rateLimited += 1;
          this.rateLimitedCount += 1;
        } else failures += 1;
        if (failures >= opts.maxAttempts || rateLimited >= opts.maxAttempts * RATE_LIMITED_BUDGET) {
          throw fail(`${where} still answered HTTP ${status} after ${attempts} attempts`, 'http', status, undefined, 'possible');
        }
        const retryAfterMs = parseRetryAfter(headers['retry-after']);
        if (retryAfterMs !== undefined && retryAfterMs > opts.retryAfterMaxMs) {
          // Waiting that long would stall the run for nothing; sending earlier would only be refused.
          throw fail(
            `${where} answered HTTP ${status}: the server asked to wait ${Math.ceil(retryAfterMs / 1000)} s, longer than MLUVII_RETRY_AFTER_MAX (${Math.round(opts.retryAfterMaxMs / 1000)} s)`,
            'http',
            status,
            undefined,
            'certain',
          );
        }
        const delay = retryDelay({ attempt: Math.max(failures, rateLimited), baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs, retryAfterMs });
        // Nobody sends before the server's Retry-After has passed: the whole limiter waits.
        if (status === 429 || retryAfterMs !== undefined) opts.limiter.holdFor(delay);
        opts.logger.debug({ endpoint, status, attempt: attempts, delayMs: delay }, 'mluvii answered with a retryable status, retrying');
        this.retryCount += 1;
        await wait(delay, `the server answered HTTP ${status}${retryAfterMs !== undefined ? ` with Retry-After ${Math.ceil(retryAfterMs / 1000)} s` : ''}`);
        continue;
      }
      throw fail(`${where} answered HTTP ${status}${html ? '' : `: ${snippet(body)}`}`, 'http', status);
    }
  }

  /**
   * One request; runs inside the limiter, so the token is taken at the moment of sending. Tells
   * the limiter when the request actually left (got's timings): on a busy event loop that can be
   * tens of ms after its start, and the server's rolling second counts from its arrival.
   */
  private async attempt(url: string, leftAfter: (ms: number) => void): Promise<Answer> {
    const started = Date.now();
    const token = await this.opts.tokens.token();
    this.requestCount += 1;
    const res = await this.opts.http.get(url, { headers: { authorization: `Bearer ${token}` } });
    const upload = res.timings?.upload;
    if (upload !== undefined) leftAfter(upload - started);
    return { status: res.statusCode, headers: res.headers, body: res.body, token };
  }
}

/** The start of an error body (e.g. ASP.NET's validation dictionary), on one line. */
function snippet(body: string): string {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s || '(empty body)';
}

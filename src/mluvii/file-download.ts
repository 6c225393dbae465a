/**
 * Downloading a recording or shared file from its `downloadUrl` (the FAQ: a GET with the same
 * Authorization header as any Public API call), streamed to a consumer, never whole in memory.
 *
 * Where the token goes (the one rule that must never break):
 * - The Bearer token is sent only to the API's own origin (scheme, host and port of MLUVII_BASE_URL).
 * - A URL on another origin is fetched WITHOUT the header when it is pre-signed (presigned-url.ts),
 *   and refused otherwise (`refused`, with the reason) — it never receives the token.
 * - Redirects are followed by hand, at most MAX_REDIRECTS, each hop through the rate limiter; a hop
 *   to another origin drops the header. A redirect to the login page means the token was refused.
 *
 * Each attempt runs inside the client's one rate limiter (a download holds one of its
 * concurrency slots while it streams) and takes the shared token at the moment of sending.
 * Retries as for every call: 408/5xx/network/timeout/a body cut short with backoff and jitter up
 * to `maxAttempts`, 429 against its own budget while holding the whole limiter, Retry-After honoured.
 * A 401 renews the token once. What the caller decides (expired URL, not found) comes back as an
 * outcome; errors the consumer throws for its own reasons (a full disk) pass through at once.
 */
import type { Readable } from 'node:stream';
import type { Got } from 'got';
import type { Logger } from '../log.js';
import type { TokenSource } from './auth.js';
import { MluviiApiError } from './errors.js';
import { describeNetworkError, isTimeoutError } from './network-errors.js';
import { isPreSignedUrl } from './presigned-url.js';
import type { RateLimiter } from './rate-limiter.js';
import { parseRetryAfter, retryDelay } from './retry-delay.js';
import { RATE_LIMITED_BUDGET } from './transport.js';
import { sleep } from '../util/sleep.js';

export type DownloadOutcome<T> =
  /** 2xx, consumed. */
  | { kind: 'ok'; value: T }
  /** 401 (even after renewing the token) / 403 / 410: the URL expired or is not ours to read. */
  | { kind: 'expired'; status: number }
  /** 404. */
  | { kind: 'not_found' }
  /** Not fetched at all, or given up: the reason says why (never holds a token or a signature). */
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; reason: string; status?: number };

export interface DownloadBody {
  body: Readable;
  /** Content-Length when the server sent one (the consumer checks it). */
  contentLength: number | undefined;
}

/** Thrown by a consumer for a reason of its own (disk full, folder unwritable): never retried. */
export class DownloadConsumerError extends Error {
  override name = 'DownloadConsumerError';
}

export interface FileDownloaderOptions {
  apiOrigin: string;
  http: Got;
  limiter: RateLimiter;
  tokens: TokenSource;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

const MAX_REDIRECTS = 5;
const LOGIN_PAGE = /login|account|signin|connect\/authorize/i;

/** A URL for messages and logs: origin and path, never the query (a signature is a credential). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

interface Attempt {
  status: number;
  location: string | undefined;
  retryAfter: string | string[] | undefined;
  token: string | undefined;
  consumed?: { value: unknown };
}

export class FileDownloader {
  /** Download requests sent, including retries and redirect hops. */
  requestCount = 0;
  constructor(private readonly opts: FileDownloaderOptions) {}

  async download<T>(url: string, consume: (body: DownloadBody) => Promise<T>): Promise<DownloadOutcome<T>> {
    const { opts } = this;
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      return { kind: 'refused', reason: 'downloadUrl is not a URL' };
    }
    if (current.protocol !== 'https:' && current.protocol !== 'http:') return { kind: 'refused', reason: `downloadUrl uses ${current.protocol.replace(/:$/, '')}, not http(s)` };
    let withToken = current.origin === opts.apiOrigin;
    if (!withToken && !isPreSignedUrl(current)) {
      return {
        kind: 'refused',
        reason: `downloadUrl is on ${current.origin}, not the API's origin, and is not a pre-signed URL: the API token is never sent there`,
      };
    }
    let redirects = 0;
    let failures = 0;
    let rateLimited = 0;
    let renewed = false;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      let answer: Attempt;
      try {
        answer = await opts.limiter.run(() => this.attempt(current.href, withToken, consume));
      } catch (err) {
        if (err instanceof DownloadConsumerError) throw err;
        // The token source failed for good (refused credentials): nothing to retry.
        if (err instanceof MluviiApiError) throw err;
        failures += 1;
        const what = isTimeoutError(err) ? 'timed out' : describeNetworkError(err);
        if (failures >= opts.maxAttempts) return { kind: 'failed', reason: `GET ${describeUrl(current.href)} failed after ${attempts} attempts: ${what}` };
        const delay = retryDelay({ attempt: failures, baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs });
        opts.logger.debug({ url: describeUrl(current.href), attempt: attempts, error: what, delayMs: delay }, 'download failed, retrying');
        await sleep(delay);
        continue;
      }
      const { status } = answer;
      if (answer.consumed) return { kind: 'ok', value: answer.consumed.value as T };

      if (status >= 300 && status < 400 && status !== 304) {
        let next: URL | undefined;
        try {
          next = answer.location === undefined ? undefined : new URL(answer.location, current);
        } catch {
          next = undefined;
        }
        if (!next) return { kind: 'failed', reason: `GET ${describeUrl(current.href)} answered HTTP ${status} without a usable Location`, status };
        if (withToken && next.origin === opts.apiOrigin && LOGIN_PAGE.test(next.pathname)) {
          // mluvii's way of saying "log in": the token was refused.
          if (!renewed) {
            renewed = true;
            opts.tokens.invalidate(answer.token);
            continue;
          }
          return { kind: 'expired', status: 401 };
        }
        if (++redirects > MAX_REDIRECTS) return { kind: 'failed', reason: `GET ${describeUrl(url)}: more than ${MAX_REDIRECTS} redirects`, status };
        if (next.protocol !== 'https:' && next.protocol !== 'http:') return { kind: 'refused', reason: `a redirect to ${next.protocol} was not followed` };
        // A hop to another origin never carries the token; a hop back to the API's origin may.
        withToken = withToken && next.origin === opts.apiOrigin;
        current = next;
        continue;
      }
      if (status === 401 && withToken && !renewed) {
        renewed = true;
        opts.tokens.invalidate(answer.token);
        continue;
      }
      if (status === 401 || status === 403 || status === 410) return { kind: 'expired', status };
      if (status === 404) return { kind: 'not_found' };
      if (status === 429 || status === 408 || status >= 500) {
        if (status === 429) rateLimited += 1;
        else failures += 1;
        if (failures >= opts.maxAttempts || rateLimited >= opts.maxAttempts * RATE_LIMITED_BUDGET) {
          return { kind: 'failed', reason: `GET ${describeUrl(current.href)} still answered HTTP ${status} after ${attempts} attempts`, status };
        }
        const retryAfterMs = parseRetryAfter(answer.retryAfter);
        const delay = retryDelay({ attempt: Math.max(failures, rateLimited), baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs, retryAfterMs });
        if (status === 429 || retryAfterMs !== undefined) opts.limiter.holdFor(delay);
        await sleep(delay);
        continue;
      }
      return { kind: 'failed', reason: `GET ${describeUrl(current.href)} answered HTTP ${status}`, status };
    }
  }

  /** One request; on a 2xx the body is consumed here, inside the limiter slot. */
  private async attempt<T>(url: string, withToken: boolean, consume: (body: DownloadBody) => Promise<T>): Promise<Attempt> {
    const token = withToken ? await this.opts.tokens.token() : undefined;
    this.requestCount += 1;
    const headers: Record<string, string> = { accept: '*/*', 'accept-encoding': 'identity' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const stream = this.opts.http.stream(url, { headers });
    const response = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    });
    const status = response.statusCode;
    const base = {
      status,
      location: response.headers.location === undefined ? undefined : String(response.headers.location),
      retryAfter: response.headers['retry-after'],
      token,
    };
    if (status < 200 || status >= 300) {
      stream.destroy();
      return base;
    }
    const length = Number(response.headers['content-length']);
    const value = await consume({ body: stream, contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined });
    return { ...base, consumed: { value } };
  }
}

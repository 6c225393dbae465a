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
 * Retries as for an API call (retry-policy.ts, with-retries.ts): 408/5xx/network/timeout/a body cut
 * short with backoff and jitter up to `maxAttempts`, 429 against its own budget while holding the
 * whole limiter, Retry-After honoured.
 * A 401 renews the token once. What the caller decides (expired URL, not found) comes back as an
 * outcome; errors the consumer throws for its own reasons (a full disk) pass through at once.
 *
 * A total deadline (MLUVII_FILE_TIMEOUT, longer for a large announced size: fileDeadlineMs) holds
 * for all attempts, hops and waits together, from the first request: a body that trickles a byte
 * every few seconds never trips the idle timeout, and must not keep a pass alive for hours.
 */
import type { Readable } from 'node:stream';
import type { Got } from 'got';
import type { Logger } from '../log.js';
import type { TokenSource } from './auth.js';
import { MluviiApiError } from './errors.js';
import { describeNetworkError } from './network-errors.js';
import { isPreSignedUrl } from './presigned-url.js';
import type { RateLimiter } from './rate-limiter.js';
import { describeGiveUp, RATE_LIMITED_BUDGET, type RetryPolicy, type RetrySettings } from './retry-policy.js';
import { AGAIN, withRetries } from './with-retries.js';
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
  /** Content-Type when the server sent one (the consumer checks it is what the file can be). */
  contentType: string | undefined;
}

export interface DownloadOptions {
  /** MLUVII_FILE_TIMEOUT: the deadline of a download of up to FILE_TIMEOUT_UNIT_BYTES; none when undefined. */
  timeoutMs?: number;
}

/** The longest delay one Node timer holds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A download of up to this many bytes gets MLUVII_FILE_TIMEOUT; a larger one proportionally more. */
export const FILE_TIMEOUT_UNIT_BYTES = 100 * 1024 * 1024;

/** The total deadline of a download that announces `bytes` (or nothing). */
export function fileDeadlineMs(timeoutMs: number, bytes: number | undefined): number {
  return Math.round(timeoutMs * Math.max(1, (bytes ?? 0) / FILE_TIMEOUT_UNIT_BYTES));
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** The download ran past its deadline: given up, never retried. */
class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** The one deadline of a download, armed at its first request and stretched once the size is announced. */
class DownloadDeadline {
  expired: string | undefined;
  private startedAt: number | undefined;
  private limitMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stream: Readable | undefined;

  constructor(
    private readonly timeoutMs: number | undefined,
    private readonly where: () => string,
  ) {}

  start(): void {
    if (this.timeoutMs === undefined || this.startedAt !== undefined) return;
    this.startedAt = Date.now();
    this.arm(this.timeoutMs, undefined);
  }

  /** The body announced its size: a large file gets the longer deadline (never a shorter one). */
  announce(bytes: number | undefined): void {
    if (this.timeoutMs === undefined || bytes === undefined || this.expired) return;
    const limit = fileDeadlineMs(this.timeoutMs, bytes);
    if (limit > (this.limitMs ?? 0)) this.arm(limit, bytes);
  }

  /** The body being read now: destroyed when the deadline passes. */
  watch(stream: Readable | undefined): void {
    this.stream = stream;
  }

  remainingMs(): number {
    if (this.limitMs === undefined || this.startedAt === undefined) return Infinity;
    return Math.max(0, this.startedAt + this.limitMs - Date.now());
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.stream = undefined;
  }

  private arm(limitMs: number, bytes: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.limitMs = limitMs;
    const scaled = bytes === undefined || limitMs === this.timeoutMs ? '' : ` for the ${bytes} bytes announced`;
    const fire = () => {
      // A deadline past what one timer can hold (a petabyte announced) is waited in steps.
      if (this.remainingMs() > 0) {
        this.timer = setTimeout(fire, Math.min(this.remainingMs(), MAX_TIMER_MS)).unref();
        return;
      }
      this.expired = `${this.where()} did not finish within ${seconds(limitMs)} (MLUVII_FILE_TIMEOUT ${seconds(this.timeoutMs ?? 0)}${scaled}): given up`;
      this.stream?.destroy(new DeadlineError(this.expired));
    };
    // Node fires a timer longer than 2^31 − 1 ms at once (with a warning): never arm one.
    this.timer = setTimeout(fire, Math.min(this.remainingMs(), MAX_TIMER_MS)).unref();
  }
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
  retry: RetrySettings;
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
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: FileDownloaderOptions) {
    // MLUVII_RETRY_AFTER_MAX has never applied to downloads (it came after them): any Retry-After is waited out.
    this.policy = { ...opts.retry, retryAfterMaxMs: Infinity, rateLimitedBudget: RATE_LIMITED_BUDGET };
  }

  async download<T>(url: string, consume: (body: DownloadBody) => Promise<T>, options: DownloadOptions = {}): Promise<DownloadOutcome<T>> {
    const deadline = new DownloadDeadline(options.timeoutMs, () => `GET ${describeUrl(url)}`);
    try {
      return await this.downloadWithin(url, consume, deadline);
    } finally {
      deadline.clear();
    }
  }

  private async downloadWithin<T>(url: string, consume: (body: DownloadBody) => Promise<T>, deadline: DownloadDeadline): Promise<DownloadOutcome<T>> {
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
    let renewed = false;
    return withRetries<DownloadOutcome<T>>(
      async () => {
        let answer: Attempt;
        if (deadline.expired) return { done: { kind: 'failed', reason: deadline.expired } };
        try {
          answer = await opts.limiter.run(() => this.attempt(current.href, withToken, consume, deadline));
        } catch (err) {
          if (deadline.expired) return { done: { kind: 'failed', reason: deadline.expired } };
          if (err instanceof DownloadConsumerError) throw err;
          // The token source failed for good (refused credentials): nothing to retry.
          if (err instanceof MluviiApiError) throw err;
          return { failed: { error: err } };
        }
        const { status } = answer;
        if (answer.consumed) return { done: { kind: 'ok', value: answer.consumed.value as T } };

        if (status >= 300 && status < 400 && status !== 304) {
          let next: URL | undefined;
          try {
            next = answer.location === undefined ? undefined : new URL(answer.location, current);
          } catch {
            next = undefined;
          }
          if (!next) return { done: { kind: 'failed', reason: `GET ${describeUrl(current.href)} answered HTTP ${status} without a usable Location`, status } };
          if (withToken && next.origin === opts.apiOrigin && LOGIN_PAGE.test(next.pathname)) {
            // mluvii's way of saying "log in": the token was refused.
            if (!renewed) {
              renewed = true;
              opts.tokens.invalidate(answer.token);
              return AGAIN;
            }
            return { done: { kind: 'expired', status: 401 } };
          }
          if (++redirects > MAX_REDIRECTS) return { done: { kind: 'failed', reason: `GET ${describeUrl(url)}: more than ${MAX_REDIRECTS} redirects`, status } };
          if (next.protocol !== 'https:' && next.protocol !== 'http:') return { done: { kind: 'refused', reason: `a redirect to ${next.protocol} was not followed` } };
          // A hop to another origin never carries the token; a hop back to the API's origin may.
          withToken = withToken && next.origin === opts.apiOrigin;
          current = next;
          return AGAIN;
        }
        if (status === 401 && withToken && !renewed) {
          renewed = true;
          opts.tokens.invalidate(answer.token);
          return AGAIN;
        }
        if (status === 401 || status === 403 || status === 410) return { done: { kind: 'expired', status } };
        if (status === 404) return { done: { kind: 'not_found' } };
        return { failed: { status, retryAfter: answer.retryAfter } };
      },
      this.policy,
      {
        // A wait never outlasts the deadline: the next attempt then gives up with its reason.
        sleep: (ms) => sleep(Math.min(ms, deadline.remainingMs())),
        onRetry: (retry, failure, attempt) => {
          if ('error' in failure) {
            const error = retry.kind === 'timeout' ? 'timed out' : describeNetworkError(failure.error);
            opts.logger.debug({ url: describeUrl(current.href), attempt, error, delayMs: retry.delayMs }, 'download failed, retrying');
          } else if (retry.serverPacing) opts.limiter.holdFor(retry.delayMs);
        },
        giveUp: (giveUp) => {
          const reason = describeGiveUp(giveUp, `GET ${describeUrl(current.href)}`);
          return 'status' in giveUp ? { kind: 'failed', reason, status: giveUp.status } : { kind: 'failed', reason };
        },
      },
    );
  }

  /** One request; on a 2xx the body is consumed here, inside the limiter slot. */
  private async attempt<T>(url: string, withToken: boolean, consume: (body: DownloadBody) => Promise<T>, deadline: DownloadDeadline): Promise<Attempt> {
    deadline.start();
    if (deadline.expired) throw new DeadlineError(deadline.expired);
    const token = withToken ? await this.opts.tokens.token() : undefined;
    this.requestCount += 1;
    const headers: Record<string, string> = { accept: '*/*', 'accept-encoding': 'identity' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const stream = this.opts.http.stream(url, { headers });
    deadline.watch(stream);
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
    const contentLength = response.headers['content-length'] !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    deadline.announce(contentLength);
    const type = response.headers['content-type'];
    const value = await consume({ body: stream, contentLength, contentType: typeof type === 'string' ? type : undefined });
    deadline.watch(undefined);
    return { ...base, consumed: { value } };
  }
}

/**
 * The OAuth2 client_credentials token, cached and shared.
 *
 * - Renewed shortly before it expires: a minute before `expires_in`, or a fifth of the lifetime
 *   when that is shorter than five minutes (test servers hand out tokens of seconds).
 * - Concurrent callers share one renewal.
 * - Refused credentials are remembered: every later call fails at once with the same clear error
 *   instead of asking the identity server again (no retry storm).
 * - Transient failures of the token endpoint (429, 5xx, network, timeout) are retried with backoff.
 *
 * Token requests go to the identity server, not the API, at most once per token lifetime, so they
 * do not pass through the API rate limiter (that would also deadlock a limiter of concurrency 1:
 * the API request holding the only slot waits for the token).
 */
import type { Got } from 'got';
import type { Logger } from '../log.js';
import { registerSecrets, scrubSecrets } from '../log.js';
import { MluviiApiError } from './errors.js';
import { describeNetworkError, isTimeoutError } from './network-errors.js';
import { parseRetryAfter, retryDelay } from './retry-delay.js';
import { sleep } from '../util/sleep.js';

export interface TokenSourceOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  http: Got;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A Retry-After longer than this fails at once (MLUVII_RETRY_AFTER_MAX). */
  retryAfterMaxMs: number;
}

/**
 * A token endpoint that does not answer within the request timeout is tried this many times, not
 * maxAttempts: an identity server that hangs rarely recovers within seconds, and every API call
 * of the run waits behind it.
 */
export const TOKEN_TIMEOUT_ATTEMPTS = 2;
/** Waits at least this long are logged at info with their reason, so a stalled run is never silent. */
export const LONG_WAIT_MS = 5_000;

const DEFAULT_LIFETIME_SEC = 3600; // the public API docs: "The token is valid for 1 hour"

export class TokenSource {
  private current: { value: string; renewAt: number } | undefined;
  private renewal: Promise<string> | undefined;
  private refused: MluviiApiError | undefined;
  private readonly endpoint: string;
  /** Token requests sent (including retries). */
  requestCount = 0;

  constructor(private readonly opts: TokenSourceOptions) {
    this.endpoint = `POST ${new URL(opts.tokenUrl).pathname}`;
  }

  /** A valid access token, fetching a new one when needed. */
  async token(): Promise<string> {
    if (this.refused) throw this.refused;
    if (this.current && Date.now() < this.current.renewAt) return this.current.value;
    this.renewal ??= this.fetch().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  /** The API rejected `token`: forget it, unless another caller already replaced it. */
  invalidate(token: string | undefined): void {
    if (token !== undefined && this.current?.value === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const { opts } = this;
    const form = { grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret, scope: 'mluviiPublicApi' };
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      this.requestCount += 1;
      let status: number;
      let body: string;
      let headers: Record<string, string | string[] | undefined>;
      const sentAt = Date.now();
      try {
        const res = await opts.http.post(opts.tokenUrl, { form, headers: { accept: 'application/json' } });
        ({ statusCode: status, body, headers } = res);
      } catch (err) {
        failures += 1;
        const kind = isTimeoutError(err) ? 'timeout' : 'network';
        if (failures >= (kind === 'timeout' ? Math.min(TOKEN_TIMEOUT_ATTEMPTS, opts.maxAttempts) : opts.maxAttempts)) {
          const what = kind === 'timeout' ? 'did not answer in time (MLUVII_REQUEST_TIMEOUT)' : `failed: ${describeNetworkError(err)}`;
          throw this.error(`the token endpoint is unavailable: ${this.endpoint} ${what}, ${attempt} attempts`, { kind, attempts: attempt, cause: err, outage: 'certain' });
        }
        await this.wait(this.backoff(failures), kind === 'timeout' ? 'the token endpoint did not answer in time' : `the token endpoint failed (${describeNetworkError(err)})`);
        continue;
      }
      if (status === 200) {
        const parsed = parseTokenResponse(body);
        if (!parsed) throw this.error(`${this.endpoint} answered 200 without an access_token`, { kind: 'payload', status, attempts: attempt });
        const lifetimeMs = parsed.expiresIn * 1000;
        const margin = Math.min(60_000, lifetimeMs / 5);
        registerSecrets(parsed.token); // scrubbed from every message and log from now on
        this.current = { value: parsed.token, renewAt: sentAt + lifetimeMs - margin };
        opts.logger.debug({ expiresInSec: parsed.expiresIn }, 'mluvii API token obtained');
        return parsed.token;
      }
      if (status === 400 || status === 401 || status === 403) {
        const code = oauthErrorCode(body);
        this.refused = this.error(
          `mluvii refused the API credentials (check MLUVII_CLIENT_ID and MLUVII_CLIENT_SECRET): ${this.endpoint} answered HTTP ${status}${code ? ` ${code}` : ''}`,
          { kind: 'auth', status, attempts: attempt },
        );
        throw this.refused;
      }
      if ((status >= 300 && status < 400) || status === 404 || status === 405) {
        const where = headers.location ? ` to ${String(headers.location)}` : '';
        this.refused = this.error(
          `${this.endpoint} answered HTTP ${status}${status < 400 ? ` (a redirect${where})` : ''}: is MLUVII_TOKEN_URL (${new URL(opts.tokenUrl).origin}${new URL(opts.tokenUrl).pathname}) the token endpoint?`,
          { kind: 'http', status, attempts: attempt },
        );
        throw this.refused;
      }
      if (status === 429 || status === 408 || status >= 500) {
        failures += 1;
        if (failures >= opts.maxAttempts) {
          throw this.error(`the token endpoint is unavailable: ${this.endpoint} still answered HTTP ${status} after ${attempt} attempts`, { kind: 'http', status, attempts: attempt, outage: 'certain' });
        }
        const retryAfterMs = parseRetryAfter(headers['retry-after']);
        if (retryAfterMs !== undefined && retryAfterMs > opts.retryAfterMaxMs) {
          throw this.error(
            `${this.endpoint} answered HTTP ${status}: the server asked to wait ${Math.ceil(retryAfterMs / 1000)} s, longer than MLUVII_RETRY_AFTER_MAX (${Math.round(opts.retryAfterMaxMs / 1000)} s)`,
            { kind: 'http', status, attempts: attempt, outage: 'certain' },
          );
        }
        await this.wait(this.backoff(failures, retryAfterMs), `the token endpoint answered HTTP ${status}${retryAfterMs !== undefined ? ' with Retry-After' : ''}`);
        continue;
      }
      throw this.error(`${this.endpoint} answered HTTP ${status}`, { kind: 'http', status, attempts: attempt });
    }
  }

  private backoff(failures: number, retryAfterMs?: number): number {
    return retryDelay({ attempt: failures, baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs, retryAfterMs });
  }

  private async wait(ms: number, reason: string): Promise<void> {
    if (ms >= LONG_WAIT_MS) this.opts.logger.info({ endpoint: this.endpoint, waitS: Math.round(ms / 100) / 10, reason }, `waiting ${Math.round(ms / 1000)} s: ${reason}`);
    await sleep(ms);
  }

  private error(
    message: string,
    details: { kind: MluviiApiError['kind']; status?: number; attempts: number; cause?: unknown; outage?: MluviiApiError['outage'] },
  ): MluviiApiError {
    return new MluviiApiError(scrubSecrets(message, [this.opts.clientSecret]), { endpoint: this.endpoint, ...details });
  }
}

function parseTokenResponse(body: string): { token: string; expiresIn: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object') return undefined;
  const { access_token: token, expires_in: expiresIn } = json as { access_token?: unknown; expires_in?: unknown };
  if (typeof token !== 'string' || token === '') return undefined;
  const seconds = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' ? Number(expiresIn) : Number.NaN;
  return { token, expiresIn: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_SEC };
}

/** The OAuth2 `error` code (invalid_client, …): safe to show, unlike the rest of a body. */
function oauthErrorCode(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { error?: unknown };
    return typeof json?.error === 'string' && /^[a-z_]{1,64}$/i.test(json.error) ? json.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The OAuth2 client_credentials token, cached and shared.
 *
 * - Renewed shortly before it expires: a minute before `expires_in`, or a fifth of the lifetime
 *   when that is shorter than five minutes (test servers hand out tokens of seconds).
 * - Concurrent callers share one renewal.
 * - Refused credentials are remembered: every later call fails at once with the same clear error
 *   instead of asking the identity server again (no retry storm).
 * - Transient failures of the token endpoint (429, 5xx, network, timeout) are retried as
 *   retry-policy.ts decides, with two rules of this door: a 429 is a failure like a 5xx (there is
 *   no limiter here to slow down), and a hanging endpoint is given up after TOKEN_TIMEOUT_ATTEMPTS.
 *
 * Token requests go to the identity server, not the API, at most once per token lifetime, so they
 * do not pass through the API rate limiter (that would also deadlock a limiter of concurrency 1:
 * the API request holding the only slot waits for the token).
 */
import type { Got, Response } from 'got';
import type { Logger } from '../log.js';
import { registerSecrets, scrubSecrets } from '../log.js';
import { MluviiApiError } from './errors.js';
import { describeNetworkError } from './network-errors.js';
import { describeGiveUp, giveUpError, LONG_WAIT_MS, type Failure, type GiveUp, type Retry, type RetryPolicy, type RetrySettings } from './retry-policy.js';
import { withRetries } from './with-retries.js';

export interface TokenSourceOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  http: Got;
  logger: Logger;
  retry: RetrySettings;
}

/**
 * A token endpoint that does not answer within the request timeout is tried this many times, not
 * maxAttempts: an identity server that hangs rarely recovers within seconds, and every API call
 * of the run waits behind it.
 */
export const TOKEN_TIMEOUT_ATTEMPTS = 2;

const DEFAULT_LIFETIME_SEC = 3600; // the public API docs: "The token is valid for 1 hour"

export class TokenSource {
  private current: { value: string; renewAt: number } | undefined;
  private renewal: Promise<string> | undefined;
  private refused: MluviiApiError | undefined;
  private readonly endpoint: string;
  private readonly policy: RetryPolicy;
  /** Token requests sent (including retries). */
  requestCount = 0;

  constructor(private readonly opts: TokenSourceOptions) {
    this.endpoint = `POST ${new URL(opts.tokenUrl).pathname}`;
    // Every API call needs a token: a token endpoint that still fails is an outage, not one bad range.
    this.policy = { ...opts.retry, timeoutAttempts: TOKEN_TIMEOUT_ATTEMPTS, outageWhenUsedUp: 'certain' };
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
    return withRetries<string>(
      async (attempt) => {
        this.requestCount += 1;
        const sentAt = Date.now();
        let res: Response<string>;
        try {
          res = await opts.http.post(opts.tokenUrl, { form, headers: { accept: 'application/json' } });
        } catch (err) {
          return { failed: { error: err } };
        }
        const { statusCode: status, body, headers } = res;
        if (status === 200) {
          const parsed = parseTokenResponse(body);
          if (!parsed) throw this.error(`${this.endpoint} answered 200 without an access_token`, { kind: 'payload', status, attempts: attempt });
          const lifetimeMs = parsed.expiresIn * 1000;
          const margin = Math.min(60_000, lifetimeMs / 5);
          registerSecrets(parsed.token); // scrubbed from every message and log from now on
          this.current = { value: parsed.token, renewAt: sentAt + lifetimeMs - margin };
          opts.logger.debug({ expiresInSec: parsed.expiresIn }, 'mluvii API token obtained');
          return { done: parsed.token };
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
        return { failed: { status, retryAfter: headers['retry-after'] } };
      },
      this.policy,
      {
        onRetry: (retry, failure) => this.logLongWait(retry.delayMs, retryReason(retry, failure)),
        giveUp: (giveUp) => {
          throw giveUpError(giveUp, this.endpoint, giveUpMessage(giveUp, this.endpoint), [opts.clientSecret]);
        },
      },
    );
  }

  private logLongWait(ms: number, reason: string): void {
    if (ms >= LONG_WAIT_MS) this.opts.logger.info({ endpoint: this.endpoint, waitS: Math.round(ms / 100) / 10, reason }, `waiting ${Math.round(ms / 1000)} s: ${reason}`);
  }

  private error(message: string, details: { kind: MluviiApiError['kind']; status: number; attempts: number }): MluviiApiError {
    return new MluviiApiError(scrubSecrets(message, [this.opts.clientSecret]), { endpoint: this.endpoint, ...details });
  }
}

/** Every give-up but a status not worth retrying means no call can get a token: said first. */
function giveUpMessage(giveUp: GiveUp, endpoint: string): string {
  const unavailable = 'the token endpoint is unavailable: ';
  if (giveUp.why === 'no-answer') {
    const what = giveUp.kind === 'timeout' ? 'did not answer in time (MLUVII_REQUEST_TIMEOUT)' : `failed: ${describeNetworkError(giveUp.cause)}`;
    return `${unavailable}${endpoint} ${what}, ${giveUp.attempts} attempts`;
  }
  return giveUp.why === 'used-up' ? `${unavailable}${describeGiveUp(giveUp, endpoint)}` : describeGiveUp(giveUp, endpoint);
}

function retryReason(retry: Retry, failure: Failure): string {
  if ('error' in failure) return retry.kind === 'timeout' ? 'the token endpoint did not answer in time' : `the token endpoint failed (${describeNetworkError(failure.error)})`;
  return `the token endpoint answered HTTP ${failure.status}${retry.retryAfterMs !== undefined ? ' with Retry-After' : ''}`;
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

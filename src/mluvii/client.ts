/**
 * The mluvii Public API client: where a session's JSON enters the program.
 *
 * Composition (one idea per file): auth.ts (token cache), rate-limiter.ts (one p-queue for all
 * requests), transport.ts (attempts, retries, auth renewal over got), retry-delay.ts, errors.ts,
 * session-pages.ts (paging a window). This file maps endpoints to calls and keeps payloads as
 * received: parsing is the transform's job, and lenient there.
 */
import got, { type Got } from 'got';
import type { Logger } from '../log.js';
import { TokenSource } from './auth.js';
import { MluviiApiError } from './errors.js';
import { FileDownloader, type DownloadBody, type DownloadOutcome } from './file-download.js';
import { RateLimiter } from './rate-limiter.js';
import { listItems, pageThrough, type ListedSession } from './session-pages.js';
import { NOT_FOUND, Transport } from './transport.js';
import type { CampaignModel, UserModel } from './types.js';

export { MluviiApiError } from './errors.js';
export type { MluviiApiErrorKind } from './errors.js';
export type { ListedSession } from './session-pages.js';
export { DownloadConsumerError, describeUrl, type DownloadBody, type DownloadOutcome } from './file-download.js';

export interface MluviiClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Request starts per second, all endpoints together (MLUVII_RPS). */
  rps: number;
  /** Requests in flight at once (MLUVII_CONCURRENCY). */
  concurrency: number;
  /** `limit` of list calls (MLUVII_PAGE_SIZE). */
  pageSize: number;
  logger: Logger;
  /** Failed attempts (5xx/408/network/timeout) per call before it fails; default 6. 429s have a budget of 3× this. */
  maxAttempts?: number;
  /** Per attempt; default 30000. */
  requestTimeoutMs?: number;
  /** Backoff (full jitter) base and cap; defaults 500 / 30000. The cap also caps Retry-After. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const API = '/api/v1';

export class MluviiClient {
  private readonly tokens: TokenSource;
  private readonly transport: Transport;
  private readonly files: FileDownloader;
  private readonly pageSize: number;
  private readonly logger: Logger;
  private warnedCampaign403 = false;

  constructor(opts: MluviiClientOptions) {
    if (!(Number.isInteger(opts.pageSize) && opts.pageSize >= 1)) throw new RangeError(`pageSize must be a whole number from 1, got ${opts.pageSize}`);
    const maxAttempts = opts.maxAttempts ?? 6;
    const retryBaseMs = opts.retryBaseMs ?? 500;
    const retryMaxMs = opts.retryMaxMs ?? 30_000;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.pageSize = opts.pageSize;
    this.logger = opts.logger;
    const http: Got = got.extend({
      // Status codes are handled by the transport and the token source, one attempt at a time.
      throwHttpErrors: false,
      // A redirect is how mluvii says "log in" (mluvii-api.md §5): following it would hide that.
      followRedirect: false,
      // got's own retry is off: every retry must pass through the rate limiter, which got cannot do.
      // maxRetryAfter is set anyway so no default (timeout.request) applies if retry is ever enabled.
      retry: { limit: 0, maxRetryAfter: retryMaxMs },
      timeout: { request: requestTimeoutMs },
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': 'mluvii-etl' },
    });
    this.tokens = new TokenSource({
      tokenUrl: opts.tokenUrl,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      http,
      logger: opts.logger,
      maxAttempts,
      retryBaseMs,
      retryMaxMs,
    });
    const limiter = new RateLimiter({ rps: opts.rps, concurrency: opts.concurrency });
    this.transport = new Transport({
      baseUrl: opts.baseUrl,
      http,
      limiter,
      tokens: this.tokens,
      logger: opts.logger,
      maxAttempts,
      retryBaseMs,
      retryMaxMs,
      secrets: [opts.clientSecret],
    });
    // Downloads share the limiter and the token; their own got instance only because a long
    // download must not hit the per-request timeout (an idle socket still ends it).
    this.files = new FileDownloader({
      apiOrigin: new URL(opts.baseUrl).origin,
      http: http.extend({ timeout: { request: undefined, connect: requestTimeoutMs, response: requestTimeoutMs, socket: requestTimeoutMs } }),
      limiter,
      tokens: this.tokens,
      logger: opts.logger,
      maxAttempts,
      retryBaseMs,
      retryMaxMs,
    });
  }

  /**
   * Downloads a recording or shared file from its `downloadUrl`, streaming the body to `consume`
   * (file-download.ts: the token only ever goes to the API's own origin).
   */
  downloadFile<T>(url: string, consume: (body: DownloadBody) => Promise<T>): Promise<DownloadOutcome<T>> {
    return this.files.download(url, consume);
  }

  /** Download requests sent, including retries and redirect hops. */
  get downloadRequestCount(): number {
    return this.files.requestCount;
  }

  /** API requests sent, including retries (token requests are counted in `tokenRequestCount`). */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  /** Requests sent to the token endpoint, including retries. */
  get tokenRequestCount(): number {
    return this.tokens.requestCount;
  }

  /**
   * Every session created in [from, to), page by page, never holding the window in memory.
   * Pages until an EMPTY page; dedupes by numeric id within the call; yields malformed items
   * (no numeric id, not an object) unchanged so the pipeline can reject them.
   */
  listSessions(window: { from: Date; to: Date }): AsyncIterable<ListedSession> {
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    const path = `${API}/Sessions`;
    const context = (offset: number) => `Created ${from} – ${to}, offset ${offset}`;
    return pageThrough(
      (offset) => {
        // design.md: half-open window on created, sent as UTC with Z; always send limit.
        const query = new URLSearchParams({ 'Created.Min': from, 'Created.Max': to, limit: String(this.pageSize), offset: String(offset) });
        return this.transport.getJson(path, query, context(offset)).then((body) => {
          // A 404 here means a wrong base URL, not an empty window: never let it pass as "no sessions".
          if (body === NOT_FOUND) throw notFound(path, context(offset));
          return body;
        });
      },
      (offset) => ({ endpoint: `GET ${path}`, context: context(offset) }),
    );
  }

  /** One session as received; undefined on 404. */
  async getSession(id: number): Promise<unknown | undefined> {
    const body = await this.transport.getJson(`${API}/Sessions/${encodeId(id)}`);
    return body === NOT_FOUND ? undefined : body;
  }

  /** A session's routing history as received (a bare array, or an object wrapping one); [] on 404. */
  async getRoutingHistory(id: number): Promise<unknown> {
    const body = await this.transport.getJson(`${API}/Sessions/${encodeId(id)}/routingHistory`);
    return body === NOT_FOUND ? [] : body;
  }

  /**
   * A campaign (for M-RING's mode). undefined when it cannot be read: 404 (deleted campaign) or
   * 403 (the API user may not read campaigns) — the metric then says `unknown_campaign_mode`
   * rather than failing the window over a lookup.
   */
  async getCampaign(id: number): Promise<CampaignModel | undefined> {
    const path = `${API}/Campaigns/${encodeId(id)}`;
    let body: unknown;
    try {
      body = await this.transport.getJson(path);
    } catch (err) {
      if (err instanceof MluviiApiError && err.status === 403) {
        if (!this.warnedCampaign403) this.logger.warn({ endpoint: err.endpoint }, 'the API user may not read campaigns; campaign modes stay unknown');
        this.warnedCampaign403 = true;
        return undefined;
      }
      throw err;
    }
    if (body === NOT_FOUND) return undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new MluviiApiError(`GET ${path} did not answer a JSON object`, { endpoint: `GET ${path}`, status: 200, attempts: 1, kind: 'payload' });
    }
    return body as CampaignModel;
  }

  /** The tenant's users (operator names for the users dimension). Non-object items are skipped. */
  async listUsers(): Promise<UserModel[]> {
    const path = `${API}/Users`;
    const body = await this.transport.getJson(path);
    if (body === NOT_FOUND) throw notFound(path);
    const items = listItems(body);
    if (!items) throw new MluviiApiError(`GET ${path} did not answer a JSON array`, { endpoint: `GET ${path}`, status: 200, attempts: 1, kind: 'payload' });
    return items.filter((u): u is UserModel => u !== null && typeof u === 'object' && !Array.isArray(u));
  }
}

function notFound(path: string, context?: string): MluviiApiError {
  return new MluviiApiError(`GET ${path}${context ? ` (${context})` : ''} answered HTTP 404: is MLUVII_BASE_URL the mluvii host?`, {
    endpoint: `GET ${path}`,
    status: 404,
    attempts: 1,
    kind: 'http',
  });
}

function encodeId(id: number): string {
  if (!Number.isSafeInteger(id)) throw new RangeError(`not an id: ${id}`);
  return String(id);
}

/**
 * The mluvii Public API client: where a session's JSON enters the program.
 *
 * Composition (one idea per file): auth.ts (token cache), rate-limiter.ts (one schedule for all
 * requests), adaptive-rate.ts (MLUVII_RPS=auto), transport.ts (one API call over got, token
 * renewal), retry-policy.ts (retry or give up, and after how long), with-retries.ts (the attempt
 * loop all three doors use), retry-delay.ts, errors.ts, session-pages.ts (paging a window),
 * file-download.ts. This file maps endpoints to calls and keeps payloads as received: parsing is
 * the transform's job, and lenient there.
 */
import got, { type Got } from 'got';
import { registerSecrets, type Logger } from '../log.js';
import { TokenSource } from './auth.js';
import { MluviiApiError } from './errors.js';
import { FileDownloader, type DownloadBody, type DownloadOptions, type DownloadOutcome } from './file-download.js';
import { RateLimiter, type LimiterClock } from './rate-limiter.js';
import type { SharedBudget } from './shared-budget.js';
import { AdaptiveRate, DEFAULT_MAX_RPS } from './adaptive-rate.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, wrappedArray } from '../util/json.js';
import { OversizedBodyError, readBoundedJson } from './bounded-body.js';
import { readListPage } from './list-page-reader.js';
import { pageThrough, type ListedSession, type SessionBound } from './session-pages.js';
import { idsPerQuery, listByIds } from './sessions-by-id.js';
import { NOT_FOUND, Transport, type GetJsonOptions } from './transport.js';
import type { RetrySettings } from './retry-policy.js';
import { jsonTextMayNeedSanitizing } from '../transform/sanitize-text.js';
import type { CampaignModel, UserModel } from './types.js';
import { listWebhooks, registerWebhook, type RegisteredWebhook, type Registration } from './webhooks.js';

export { MluviiApiError } from './errors.js';
export type { MluviiApiErrorKind } from './errors.js';
export type { ListedSession } from './session-pages.js';
export type { RegisteredWebhook, Registration } from './webhooks.js';
export { DownloadConsumerError, describeUrl, fileDeadlineMs, type DownloadBody, type DownloadOptions, type DownloadOutcome } from './file-download.js';

export interface MluviiClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Request starts per second, all endpoints together (MLUVII_RPS); 'auto' adapts it to the server's 429s. */
  rps: number | 'auto';
  /** With rps 'auto', never above this (MLUVII_RPS_MAX); default 50. */
  rpsMax?: number;
  /** Requests in flight at once (MLUVII_CONCURRENCY). */
  concurrency: number;
  /** `limit` of list calls (MLUVII_PAGE_SIZE). */
  pageSize: number;
  logger: Logger;
  /** Failed attempts (5xx/408/network/timeout) per call before it fails; default 6. 429s have a budget of 3× this. */
  maxAttempts?: number;
  /** Per attempt; default 30000. */
  requestTimeoutMs?: number;
  /** Backoff (full jitter) base and cap; defaults 500 / 30000. A Retry-After is honoured in full, not capped. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A Retry-After longer than this fails the call at once (MLUVII_RETRY_AFTER_MAX); default 10 minutes. */
  retryAfterMaxMs?: number;
  /** Items of a list answer larger than this are set aside (MLUVII_MAX_ITEM_BYTES); default 20 MB. */
  maxItemBytes?: number;
  /** A window that needs more list pages than this fails (MLUVII_MAX_PAGES); default 10000. */
  maxPages?: number;
  /** The rate limiter's time; default the system's (a test drives it to check the schedule without wall-clock time). */
  limiterClock?: LimiterClock;
  /** A window listing more than this many sessions per hour of its length fails (MLUVII_MAX_SESSIONS_PER_HOUR); default 10000. */
  maxSessionsPerHour?: number;
}

export const DEFAULT_MAX_ITEM_BYTES = 20_000_000;
export const DEFAULT_MAX_PAGES = 10_000;
export const DEFAULT_MAX_SESSIONS_PER_HOUR = 10_000;
export const DEFAULT_RETRY_AFTER_MAX_MS = 600_000;

const API = '/api/v1';
const HOUR_MS = 3_600_000;

export class MluviiClient {
  private readonly tokens: TokenSource;
  private readonly transport: Transport;
  private readonly files: FileDownloader;
  private readonly pageSize: number;
  private readonly logger: Logger;
  private readonly maxItemBytes: number;
  private readonly maxPages: number;
  private readonly maxSessionsPerHour: number;
  private readonly limiter: RateLimiter;
  /** Why the list's SessionId filter is not used (the API refused or ignored it once); undefined while it works. */
  private sessionIdFilterUnusable: string | undefined;

  constructor(opts: MluviiClientOptions) {
    if (!(Number.isInteger(opts.pageSize) && opts.pageSize >= 1)) throw new RangeError(`pageSize must be a whole number from 1, got ${opts.pageSize}`);
    const retry: RetrySettings = {
      maxAttempts: opts.maxAttempts ?? 6,
      retryBaseMs: opts.retryBaseMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
      retryAfterMaxMs: opts.retryAfterMaxMs ?? DEFAULT_RETRY_AFTER_MAX_MS,
    };
    const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.pageSize = opts.pageSize;
    this.logger = opts.logger;
    this.maxItemBytes = opts.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
    this.maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
    this.maxSessionsPerHour = opts.maxSessionsPerHour ?? DEFAULT_MAX_SESSIONS_PER_HOUR;
    registerSecrets(opts.clientSecret);
    this.limiter =
      opts.rps === 'auto'
        ? new RateLimiter({ rps: 1, concurrency: opts.concurrency, clock: opts.limiterClock, adaptive: new AdaptiveRate({ maxRps: opts.rpsMax ?? DEFAULT_MAX_RPS }) })
        : new RateLimiter({ rps: opts.rps, concurrency: opts.concurrency, clock: opts.limiterClock });
    const http: Got = got.extend({
      // Status codes are handled by the transport and the token source, one attempt at a time.
      throwHttpErrors: false,
      // A redirect is how mluvii says "log in": following it would hide that.
      followRedirect: false,
      // got's own retry is off (with-retries.ts says why).
      // maxRetryAfter is set anyway so no default (timeout.request) applies if retry is ever enabled.
      retry: { limit: 0, maxRetryAfter: retry.retryMaxMs },
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
      retry,
    });
    this.transport = new Transport({
      baseUrl: opts.baseUrl,
      http,
      limiter: this.limiter,
      tokens: this.tokens,
      logger: opts.logger,
      retry,
      secrets: [opts.clientSecret],
    });
    // Downloads share the limiter and the token; their own got instance only because a long
    // download must not hit the per-request timeout (an idle socket still ends it).
    this.files = new FileDownloader({
      apiOrigin: new URL(opts.baseUrl).origin,
      http: http.extend({ timeout: { request: undefined, connect: requestTimeoutMs, response: requestTimeoutMs, socket: requestTimeoutMs } }),
      limiter: this.limiter,
      tokens: this.tokens,
      logger: opts.logger,
      retry,
    });
  }

  /**
   * Downloads a recording or shared file from its `downloadUrl`, streaming the body to `consume`
   * (file-download.ts: the token only ever goes to the API's own origin).
   */
  downloadFile<T>(url: string, consume: (body: DownloadBody) => Promise<T>, options?: DownloadOptions): Promise<DownloadOutcome<T>> {
    return this.files.download(url, consume, options);
  }

  /** Download requests sent, including retries and redirect hops. */
  get downloadRequestCount(): number {
    return this.files.requestCount;
  }

  /** API requests sent, including retries (token requests are counted in `tokenRequestCount`). */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  /** API answers HTTP 429 so far. */
  get rateLimitedCount(): number {
    return this.transport.rateLimitedCount;
  }

  /** API attempts retried so far (429, 408, 5xx, network errors, timeouts). */
  get retryCount(): number {
    return this.transport.retryCount;
  }

  /**
   * Draws every request start from the tenant's budget shared with every other process calling
   * its API (rate-limiter.ts, shared-budget.ts), from now on. While the budget cannot be reached,
   * the client paces alone at its own rate, and says so.
   */
  shareRateBudget(budget: SharedBudget): void {
    this.limiter.share(budget, (err) =>
      this.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'the shared request budget could not be reached; pacing this process alone for a few seconds'),
    );
  }

  /** With MLUVII_RPS=auto, the rate the client settled on (the server's limit as found); undefined with a fixed rate. */
  get settledRps(): number | undefined {
    return this.limiter.settledRps;
  }

  /** Requests sent to the token endpoint, including retries. */
  get tokenRequestCount(): number {
    return this.tokens.requestCount;
  }

  /**
   * Every session created in [from, to), page by page, never holding the window in memory nor a
   * page as one string (each page is read as a stream, list-page-reader.ts). Pages until an EMPTY
   * page; fails a window that lists more sessions than MLUVII_MAX_SESSIONS_PER_HOUR × its hours
   * (asked once, before any session is yielded) or needs more than `maxPages` pages. A session
   * listed again is yielded again (the copy fetched last wins); malformed items (no numeric id,
   * not an object) come unchanged so the pipeline can reject them; an item larger than
   * `maxItemBytes` comes as its size, first KB and id only.
   */
  listSessions(window: { from: Date; to: Date }): AsyncIterable<ListedSession> {
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    const path = `${API}/Sessions`;
    const context = (offset: number) => `Created ${from} – ${to}, offset ${offset}`;
    return pageThrough(
      async (offset, limit = this.pageSize) => {
        // Half-open window on created, sent as UTC with Z; always send limit.
        const query = new URLSearchParams({ 'Created.Min': from, 'Created.Max': to, limit: String(limit), offset: String(offset) });
        const items = await this.transport.getStreamed(path, query, context(offset), (body) => readListPage(body, this.maxItemBytes));
        // A 404 here means a wrong base URL, not an empty window: never let it pass as "no sessions".
        if (items === NOT_FOUND) throw notFound(path, context(offset));
        return items;
      },
      (offset) => ({ endpoint: `GET ${path}`, context: context(offset) }),
      { maxPages: this.maxPages, maxSessions: this.sessionBound(window) },
    );
  }

  /**
   * Of `ids`, the sessions the list shows when filtered by them (`SessionId=…`, sessions-by-id.ts):
   * a request for up to MLUVII_PAGE_SIZE sessions instead of one each. Items come as a window's
   * do (checked text, oversized ones as their size). Ids it does not show are left out. undefined
   * when the API refuses the filter (400, 403) or ignores it (lists other sessions): then it is
   * not asked again by this client, and the caller fetches each detail.
   */
  async listSessionsByIds(ids: readonly number[]): Promise<Map<number, ListedSession> | undefined> {
    if (this.sessionIdFilterUnusable !== undefined || ids.length === 0) return undefined;
    const path = `${API}/Sessions`;
    const found = new Map<number, ListedSession>();
    try {
      for (const chunk of idsPerQuery(ids)) {
        const r = await listByIds(chunk, this.pageSize, async (offset, limit) => {
          const query = new URLSearchParams(chunk.map((id): [string, string] => ['SessionId', String(id)]));
          query.set('limit', String(limit));
          query.set('offset', String(offset));
          const items = await this.transport.getStreamed(path, query, `SessionId × ${chunk.length}, offset ${offset}`, (body) => readListPage(body, this.maxItemBytes));
          if (items === NOT_FOUND) throw new MluviiApiError(`GET ${path} (SessionId × ${chunk.length}) answered HTTP 404`, { endpoint: `GET ${path}`, status: 404, attempts: 1, kind: 'http' });
          return items;
        });
        if (!('found' in r)) {
          this.giveUpSessionIdFilter(r.ignored);
          return undefined;
        }
        for (const [id, item] of r.found) found.set(id, item);
      }
    } catch (err) {
      if (!(err instanceof MluviiApiError) || ![400, 403, 404, 414].includes(err.status ?? 0)) throw err;
      this.giveUpSessionIdFilter(`the API refuses the SessionId filter: ${err.message}`);
      return undefined;
    }
    return found;
  }

  private giveUpSessionIdFilter(why: string): void {
    this.sessionIdFilterUnusable = why;
    this.logger.warn({ reason: why }, 'sessions loaded by id are fetched one request each from now on: the list cannot be filtered by SessionId here');
  }

  /**
   * The sessions created since `createdFrom` that mluvii anonymized in [from, to) (`Anonymized.Min`
   * / `Anonymized.Max`, the privacy sweep), paged like listSessions and bounded the same way. A tenant whose API refuses the
   * filter answers 400 or 403: that MluviiApiError (kind 'http') is the caller's to report.
   */
  listAnonymizedSessions(range: { from: Date; to: Date; createdFrom: Date }): AsyncIterable<ListedSession> {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    // Only sessions created since the warehouse began: older ones mluvii anonymized are none of its business.
    const created = range.createdFrom.toISOString();
    const path = `${API}/Sessions`;
    const context = (offset: number) => `Anonymized ${from} – ${to}, Created from ${created}, offset ${offset}`;
    return pageThrough(
      async (offset, limit = this.pageSize) => {
        const query = new URLSearchParams({ 'Anonymized.Min': from, 'Anonymized.Max': to, 'Created.Min': created, 'Created.Max': to, limit: String(limit), offset: String(offset) });
        const items = await this.transport.getStreamed(path, query, context(offset), (body) => readListPage(body, this.maxItemBytes));
        if (items === NOT_FOUND) throw notFound(path, context(offset));
        return items;
      },
      (offset) => ({ endpoint: `GET ${path}`, context: context(offset) }),
      { maxPages: this.maxPages, maxSessions: this.sessionBound(range) },
    );
  }

  /** How many sessions a window of this length can hold: MLUVII_MAX_SESSIONS_PER_HOUR × its hours. */
  sessionBound(window: { from: Date; to: Date }): SessionBound {
    const hours = Math.max(0, window.to.getTime() - window.from.getTime()) / HOUR_MS;
    return {
      count: Math.max(1, Math.ceil(this.maxSessionsPerHour * hours)),
      because: `MLUVII_MAX_SESSIONS_PER_HOUR ${this.maxSessionsPerHour} × ${Math.round(hours * 100) / 100} h`,
    };
  }

  /**
   * One session as received; undefined on 404. `meta.textChecked` says whether its text is free
   * of NUL and lone surrogates. Throws OversizedBodyError for a body over MLUVII_MAX_ITEM_BYTES.
   */
  async getSession(id: number, meta?: BodyMeta): Promise<unknown | undefined> {
    return this.getBounded(`${API}/Sessions/${encodeId(id)}`, `the detail of session ${id}`, meta);
  }

  /**
   * A session's routing history as received (a bare array, or an object wrapping one); undefined
   * on 404 — the API user may not read it, or it is gone: never the same as "no routing".
   * Throws OversizedBodyError for a body over MLUVII_MAX_ITEM_BYTES.
   */
  async getRoutingHistory(id: number, meta?: BodyMeta): Promise<unknown> {
    return this.getBounded(`${API}/Sessions/${encodeId(id)}/routingHistory`, `the routing history of session ${id}`, meta);
  }

  /** A JSON body read from its stream, never more than MLUVII_MAX_ITEM_BYTES of it held. */
  private async getBounded(path: string, what: string, meta?: BodyMeta): Promise<unknown | undefined> {
    const body = await this.transport.getStreamed(path, undefined, undefined, (stream) => readBoundedJson(stream, this.maxItemBytes));
    if (body === NOT_FOUND) return undefined;
    if ('oversizedBytes' in body) throw new OversizedBodyError(what, body.oversizedBytes, this.maxItemBytes);
    if (meta) meta.textChecked = body.textChecked;
    return body.value;
  }

  /**
   * A campaign (for M-RING's mode). undefined on 404 (a deleted campaign); any other failure
   * (403, 5xx after the retries, no answer, not a JSON object) throws, and the pipeline's
   * CampaignModeCache turns it into `unknown_campaign_mode` rather than failing the window.
   */
  async getCampaign(id: number): Promise<CampaignModel | undefined> {
    const path = `${API}/Campaigns/${encodeId(id)}`;
    const body = await this.transport.getJson(path);
    if (body === NOT_FOUND) return undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new MluviiApiError(`GET ${path} did not answer a JSON object`, { endpoint: `GET ${path}`, status: 200, attempts: 1, kind: 'payload' });
    }
    // Stored whole (raw.campaigns): a shape no campaign has and Postgres may refuse is not one.
    if (jsonDepthExceeds(body)) {
      throw new MluviiApiError(`GET ${path} answered JSON nesting more than ${MAX_JSON_DEPTH} levels deep, not a campaign`, { endpoint: `GET ${path}`, status: 200, attempts: 1, kind: 'payload' });
    }
    return body as CampaignModel;
  }

  /** The callbacks mluvii has registered (`GET /api/v1/Webhooks`). */
  listWebhooks(): Promise<RegisteredWebhook[]> {
    return listWebhooks(this.transport);
  }

  /** Registers the callback for these event types, or edits the existing registration of its URL (409 → PUT). */
  registerWebhook(eventTypes: readonly string[], callbackUrl: string): Promise<Registration> {
    return registerWebhook(this.transport, eventTypes, callbackUrl);
  }

  /** The tenant's users (operator names for the users dimension). Non-object items are skipped. */
  async listUsers(): Promise<UserModel[]> {
    const path = `${API}/Users`;
    const body = await this.transport.getJson(path);
    if (body === NOT_FOUND) throw notFound(path);
    const items = wrappedArray(body);
    if (!items) throw new MluviiApiError(`GET ${path} did not answer a JSON array`, { endpoint: `GET ${path}`, status: 200, attempts: 1, kind: 'payload' });
    return items.filter((u): u is UserModel => u !== null && typeof u === 'object' && !Array.isArray(u));
  }
}

/** What the client learnt about an answer's text while it had it (filled in by the call). */
export interface BodyMeta {
  /** true when the JSON text held no escaped NUL or surrogate: the transform may skip its check. */
  textChecked?: boolean;
}

function checkText(meta: BodyMeta | undefined): GetJsonOptions {
  return meta ? { onBody: (text) => (meta.textChecked = !jsonTextMayNeedSanitizing(text)) } : {};
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

/**
 * The doctor's own small HTTP client: one request at a time, paced, counted and bounded, keeping
 * what the ETL's client hides on purpose (status codes, the Date header, rate-limit headers,
 * `expires_in`). It only reads (GET, and the token POST), and never retries more than a 429.
 */
import got, { type Got } from 'got';
import { describeNetworkError } from '../mluvii/network-errors.js';
import { parseRetryAfter } from '../mluvii/retry-delay.js';
import { sleep } from '../util/sleep.js';

export interface ProbeAnswer {
  status: number;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  /** Set when no answer came at all (network error, timeout). */
  networkError?: string;
}

export interface ProbeOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Request starts per second (MLUVII_RPS). */
  rps: number;
  /** No more API requests than this; later calls answer with a network error "budget spent". */
  maxRequests: number;
  timeoutMs?: number;
}

/** Longest Retry-After the doctor honours before giving up on a request. */
const MAX_WAIT_MS = 10_000;
const RATE_HEADER = /rate-?limit|^retry-after$|^x-rate/i;

export class Probe {
  requests = 0;
  rateLimited = 0;
  /** Header name → last value seen, for headers that speak about rate limits. */
  readonly rateHeaders = new Map<string, string>();
  /** Server clock minus ours, per answer with a Date header (ms; ±0.5 s from the header's resolution). */
  readonly skewsMs: number[] = [];
  tokenExpiresIn: number | undefined;
  private token: string | undefined;
  private readonly http: Got;
  private lastStart = 0;

  constructor(private readonly opts: ProbeOptions) {
    this.http = got.extend({
      throwHttpErrors: false,
      followRedirect: false,
      retry: { limit: 0 },
      timeout: { request: opts.timeoutMs ?? 15_000 },
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': 'mluvii-etl doctor' },
    });
  }

  /** The client_credentials token; the answer as received (status, body). */
  async fetchToken(): Promise<ProbeAnswer> {
    const form = { grant_type: 'client_credentials', client_id: this.opts.clientId, client_secret: this.opts.clientSecret, scope: 'mluviiPublicApi' };
    try {
      const res = await this.http.post(this.opts.tokenUrl, { form });
      const json = parse(res.body);
      const body = json && typeof json === 'object' ? (json as { access_token?: unknown; expires_in?: unknown }) : {};
      if (res.statusCode === 200 && typeof body.access_token === 'string') {
        this.token = body.access_token;
        this.tokenExpiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || undefined;
      }
      return { status: res.statusCode, json };
    } catch (err) {
      return { status: 0, json: undefined, networkError: describeNetworkError(err) };
    }
  }

  /** GET an API path; a 429 is waited out (Retry-After, at most 10 s) and asked again, twice at most. */
  async get(path: string, query?: Record<string, string>): Promise<ProbeAnswer> {
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      if (this.requests >= this.opts.maxRequests) return { status: 0, json: undefined, networkError: `the doctor's budget of ${this.opts.maxRequests} requests is spent` };
      await this.pace();
      this.requests += 1;
      const sent = Date.now();
      let res;
      try {
        res = await this.http.get(url, { headers: { authorization: `Bearer ${this.token ?? ''}` } });
      } catch (err) {
        return { status: 0, json: undefined, networkError: describeNetworkError(err) };
      }
      const received = Date.now();
      for (const [name, value] of Object.entries(res.headers)) {
        if (RATE_HEADER.test(name) && value !== undefined) this.rateHeaders.set(name.toLowerCase(), String(value));
      }
      const date = res.headers.date ? Date.parse(res.headers.date) : NaN;
      // The header is whole seconds, stamped while the request was being answered.
      if (!Number.isNaN(date)) this.skewsMs.push(date + 500 - (sent + received) / 2);
      if (res.statusCode === 429) {
        this.rateLimited += 1;
        const wait = parseRetryAfter(res.headers['retry-after']) ?? 1000;
        if (attempt < 2 && wait <= MAX_WAIT_MS) {
          await sleep(wait);
          continue;
        }
      }
      return { status: res.statusCode, json: parse(res.body) };
    }
  }

  /**
   * The server's rate limit, measured: after a quiet second (so its rolling second is empty), `n`
   * GETs at once; how many it admitted before answering 429. Counts against the budget.
   */
  async burst(path: string, query: Record<string, string>, n: number): Promise<{ sent: number; admitted: number; refused: number; withinMs: number }> {
    const count = Math.min(n, this.opts.maxRequests - this.requests);
    if (count <= 0) return { sent: 0, admitted: 0, refused: 0, withinMs: 0 };
    await sleep(1100);
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams(query)}`;
    this.requests += count;
    const started = Date.now();
    const sending: Array<Promise<number>> = [];
    for (let i = 0; i < count; i++) {
      sending.push(this.http.get(url, { headers: { authorization: `Bearer ${this.token ?? ''}` } }).then((res) => res.statusCode, () => 0));
    }
    const statuses = await Promise.all(sending);
    const refused = statuses.filter((s) => s === 429).length;
    return { sent: count, admitted: statuses.filter((s) => s !== 429 && s !== 0).length, refused, withinMs: Date.now() - started };
  }

  private async pace(): Promise<void> {
    const gap = 1000 / this.opts.rps;
    const wait = this.lastStart + gap - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastStart = Date.now();
  }
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

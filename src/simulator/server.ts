/**
 * A fake mluvii Public API on localhost (node:http, no framework), as close to the real one as the
 * public sources allow: the same paths (case-insensitive), OAuth2
 * client_credentials at /login/connect/token, no token → 302 to a login page, a bad or expired
 * token → 401, `Created.Min/Max` + `limit`/`offset` paging over a bare JSON array, the routing
 * history as a bare array, campaigns and users.
 *
 * Sessions come from the deterministic generator; the server's clock (`now`) decides which exist
 * and how far they have got. Misbehaviour (misbehaviour.ts) is switchable at run time, and every
 * request is counted by endpoint and status, with API arrival times kept for rate assertions.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoutingTimeLine, SessionModel } from './payloads.js';
import { campaignModel, userModels } from './catalog.js';
import { hourOf, hourOfSessionId, IDS_PER_HOUR, MAX_SESSIONS_PER_HOUR, planBucket } from './hour-bucket.js';
import { renderSession } from './render-session.js';
import type { SessionDraft } from './session-draft.js';
import { DEFAULT_SESSIONS_PER_DAY } from './traffic-profile.js';
import { pragueOffsetSeconds } from './iso-format.js';
import {
  malformedItemsOfBucket, NUL_NAME_USER_ID, picks, renderMalformed, spoilSession, type MalformedItem, type Misbehaviour,
} from './misbehaviour.js';
import { mixSeed, Rng } from './random.js';
import { FileWorld, type SimulatedFiles } from './files.js';

export type { Misbehaviour } from './misbehaviour.js';
export type { SimulatedFiles } from './files.js';

export interface SimulatorOptions {
  seed?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of issued tokens; default 3600 like the real API. 0: every token is refused at once. */
  tokenLifetimeSec?: number;
  /**
   * How an unknown or expired bearer token is answered: 401 (default; what a JWT handler does) or
   * 302 to the login page (what the docs say happens without a token; unverified for a bad one).
   */
  rejectedTokenStatus?: 401 | 302;
  sessionsPerDay?: number;
  misbehaviour?: Misbehaviour;
  /** The simulated clock; default the real one. Sessions created after it do not exist yet. */
  now?: () => Date;
  /**
   * Recordings and shared files served for download (files.ts), with their misbehaviours. Off by
   * default: recordings then keep the generator's placeholder addresses.
   */
  files?: SimulatedFiles;
}

export interface SimulatorStats {
  byEndpoint: Record<string, Record<string, number>>;
  total: number;
  /** ms timestamps (performance clock, sub-ms) of arrivals at API endpoints (not token or login). */
  arrivals: number[];
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:43123 (use as MLUVII_BASE_URL). */
  url: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
  setMisbehaviour(m: Misbehaviour): void;
  /** Simulated clock: lets tests make sessions conclude. */
  setNow(now: () => Date): void;
  stats(): SimulatorStats;
  resetStats(): void;
  /** The ids of the well-formed sessions the list endpoint returns for [from, to) as of now(). */
  expectedSessionIds(from: Date, to: Date): number[];
  /** How many malformed items the list endpoint injects into [from, to) as of now() with the current misbehaviour. */
  expectedMalformedCount(from: Date, to: Date): number;
  /** Makes every token issued so far expired: the next API call with one gets a 401. */
  expireTokens(): void;
  /**
   * What `GET /Sessions/{id}` and `/routingHistory` answer now, with the current misbehaviour
   * (bad text, implausible values, padding); undefined if the session does not exist yet.
   * `routingHistory` is undefined when the routing switches make it unreadable for this session.
   */
  sessionDetail(id: number): { session: SessionModel; routingHistory: RoutingTimeLine[] | undefined } | undefined;
  /** Every access token issued so far (to check that none leaks into logs or stored errors). */
  issuedTokens(): string[];
  /** Recordings and shared files (undefined unless started with `files`): switches, counters, expected content. */
  files: FileWorld | undefined;
}

const HOUR_MS = 3_600_000;
/** `endlessPages`: the n-th pass over a window shows its sessions again with ids n × this higher. */
const ENDLESS_ID_STEP = 1e12;
const DEFAULT_LIMIT = 100;
const BUCKET_CACHE_SIZE = 1500;
const LOGIN_PATH = '/login/Account/Login';
const DEFAULTS = { seed: 1, host: '127.0.0.1', clientId: 'sim', clientSecret: 'sim-secret', tokenLifetimeSec: 3600 };

type Endpoint = 'token' | 'login' | 'sessions' | 'session' | 'routingHistory' | 'campaign' | 'users' | 'user' | 'fileContent' | 'unknown';

interface Route {
  endpoint: Endpoint;
  api: boolean;
  id?: number;
  fileKey?: string;
}

function route(method: string, path: string): Route {
  const p = path.toLowerCase().replace(/\/+$/, '');
  if (p === '/login/connect/token') return { endpoint: 'token', api: false };
  if (p === LOGIN_PATH.toLowerCase()) return { endpoint: 'login', api: false };
  if (method !== 'GET' || !p.startsWith('/api/v1/')) return { endpoint: 'unknown', api: p.startsWith('/api/') };
  let m: RegExpExecArray | null;
  if (p === '/api/v1/sessions') return { endpoint: 'sessions', api: true };
  if ((m = /^\/api\/v1\/sessions\/(-?\d+)$/.exec(p))) return { endpoint: 'session', api: true, id: Number(m[1]) };
  if ((m = /^\/api\/v1\/sessions\/(-?\d+)\/routinghistory$/.exec(p))) return { endpoint: 'routingHistory', api: true, id: Number(m[1]) };
  if ((m = /^\/api\/v1\/sessions\/(\d+)\/files\/((?:recording|file)-\d+)\/content$/.exec(p))) return { endpoint: 'fileContent', api: true, id: Number(m[1]), fileKey: m[2] };
  if ((m = /^\/api\/v1\/campaigns\/(-?\d+)$/.exec(p))) return { endpoint: 'campaign', api: true, id: Number(m[1]) };
  if (p === '/api/v1/users') return { endpoint: 'users', api: true };
  if ((m = /^\/api\/v1\/users\/(-?\d+)$/.exec(p))) return { endpoint: 'user', api: true, id: Number(m[1]) };
  return { endpoint: 'unknown', api: true };
}

/** Query keys bind case-insensitively, set filters from repeated keys (ASP.NET model binding). */
function queryOf(url: URL): Map<string, string[]> {
  const q = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    const key = k.toLowerCase();
    const list = q.get(key);
    if (list) list.push(v);
    else q.set(key, [v]);
  }
  return q;
}

/**
 * A query instant. With an offset or Z it is exact; without one the server reads it in its own
 * zone, Europe/Prague (the public API docs: "values without an offset are interpreted in the server's zone").
 */
function parseQueryInstant(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t)) {
    const asUtc = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : `${t}Z`);
    if (Number.isNaN(asUtc)) return undefined;
    return asUtc - pragueOffsetSeconds(asUtc / 1000 - 3600) * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

interface ListEntry {
  draft: SessionDraft;
  hour: number;
  index: number;
  malformed?: MalformedItem;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const seed = opts.seed ?? DEFAULTS.seed;
  const sessionsPerDay = opts.sessionsPerDay ?? DEFAULT_SESSIONS_PER_DAY;
  const clientId = opts.clientId ?? DEFAULTS.clientId;
  const clientSecret = opts.clientSecret ?? DEFAULTS.clientSecret;
  const tokenLifetimeSec = opts.tokenLifetimeSec ?? DEFAULTS.tokenLifetimeSec;
  const host = opts.host ?? DEFAULTS.host;
  let misbehaviour: Misbehaviour = { ...opts.misbehaviour };
  let nowFn = opts.now ?? (() => new Date());
  const chaos = new Rng(mixSeed(seed, 0xc4a05));
  const fileWorld = opts.files ? new FileWorld(seed, opts.files) : undefined;
  let selfUrl = '';

  /** access_token → expiry (ms, wall clock: the client measures `expires_in` on the real clock). */
  const tokens = new Map<string, number>();
  let stats: SimulatorStats = { byEndpoint: {}, total: 0, arrivals: [] };
  const admitted: number[] = []; // arrival times admitted by the server-side rate limit, last second
  let retryAfterTurn = 0;
  let throttled = 0; // calls answered by `throttle` so far
  let listCalls = 0; // drives `unstableOrder`'s shuffles
  const timers = new Set<NodeJS.Timeout>();

  // --- sessions ---------------------------------------------------------------------------------
  const buckets = new Map<number, SessionDraft[]>();
  function bucket(hour: number): SessionDraft[] {
    let b = buckets.get(hour);
    if (b) {
      buckets.delete(hour); // re-insert: Map order is the LRU order
      buckets.set(hour, b);
      return b;
    }
    b = planBucket(seed, hour, sessionsPerDay);
    buckets.set(hour, b);
    if (buckets.size > BUCKET_CACHE_SIZE) buckets.delete(buckets.keys().next().value as number);
    return b;
  }
  const nowUs = () => nowFn().getTime() * 1000;

  function findDraft(id: number): SessionDraft | undefined {
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    const hour = hourOfSessionId(id);
    const index = (id % IDS_PER_HOUR) - 1;
    const d = bucket(hour)[index];
    return d && d.id === id && d.created <= nowUs() ? d : undefined;
  }

  /** Everything the list endpoint shows for [from, to) at `now`, in its order (by created, malformed items after their anchor). */
  function listing(fromMs: number, toMs: number, now: number, rate: number, withDuplicates = true): ListEntry[] {
    const out: ListEntry[] = [];
    const fromUs = fromMs * 1000;
    const toUs = toMs * 1000;
    for (let h = hourOf(fromMs); h * HOUR_MS < toMs; h++) {
      const drafts = bucket(h);
      const bad = malformedItemsOfBucket(seed, h, drafts.length, rate);
      let b = 0;
      for (let i = 0; i < drafts.length; i++) {
        const d = drafts[i];
        const inRange = d.created >= fromUs && d.created < toUs && d.created <= now;
        if (inRange) out.push({ draft: d, hour: h, index: i });
        if (inRange && withDuplicates && picks(seed, d.id, 'duplicate', misbehaviour.duplicateRate)) out.push({ draft: d, hour: h, index: i });
        for (; b < bad.length && bad[b].anchor === i; b++) if (inRange) out.push({ draft: d, hour: h, index: i, malformed: bad[b] });
      }
    }
    return out;
  }

  /** A session as the server shows it now, list item or detail, with the per-session misbehaviour applied. */
  function shown(d: SessionDraft, now: number, view: 'list' | 'detail') {
    const s = spoilSession(seed, misbehaviour, renderSession(d, now), view);
    fileWorld?.decorate(s.session, selfUrl, view);
    return s;
  }

  function render(e: ListEntry, now: number): unknown {
    if (!e.malformed) return shown(e.draft, now, 'list').session;
    // Ids above MAX_SESSIONS_PER_HOUR in the hour's id range are never used by good sessions.
    const hourBase = e.draft.id - e.index - 1;
    return renderMalformed(e.malformed, e.draft, now, hourBase + MAX_SESSIONS_PER_HOUR + 1 + (e.index % (IDS_PER_HOUR - MAX_SESSIONS_PER_HOUR - 1)));
  }

  // --- HTTP plumbing ----------------------------------------------------------------------------
  function count(endpoint: string, status: string): void {
    const e = (stats.byEndpoint[endpoint] ??= {});
    e[status] = (e[status] ?? 0) + 1;
  }

  function send(res: ServerResponse, endpoint: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
    count(endpoint, String(status));
    // A string body with a content type is sent as is (text, or deliberately broken JSON).
    const isText = typeof body === 'string' && headers['content-type'] !== undefined;
    const text = body === undefined ? '' : isText ? (body as string) : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': isText ? (headers['content-type'] as string) : 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 65_536) reject(new Error('body too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  /** Retry-After in all the forms a server may use: seconds (including 0) and an HTTP date. */
  function nextRetryAfter(): string {
    const forms = ['1', '0', new Date(Date.now() + 1500).toUTCString(), '2'];
    return forms[retryAfterTurn++ % forms.length];
  }

  /** Injected failures; returns true when the request was answered (or its connection reset). */
  function injectFailure(req: IncomingMessage, res: ServerResponse, endpoint: string): boolean {
    const rate = misbehaviour.errorRate ?? 0;
    if (!(rate > 0) || chaos.next() >= rate) return false;
    const kind = chaos.int(0, 3);
    if (kind === 0) {
      count(endpoint, 'reset');
      req.socket.destroy();
    } else if (kind === 1) {
      send(res, endpoint, 500, { message: 'An error has occurred.' });
    } else if (kind === 2) {
      send(res, endpoint, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
    } else {
      send(res, endpoint, 503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html', 'retry-after': '1' });
    }
    return true;
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 'token', 405, { error: 'invalid_request' });
    const form = new URLSearchParams(await readBody(req));
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials') return send(res, 'token', 400, { error: 'unsupported_grant_type' });
    if (id !== clientId || secret !== clientSecret) return send(res, 'token', 400, { error: 'invalid_client' });
    const scope = form.get('scope');
    if (scope && scope !== 'mluviiPublicApi') return send(res, 'token', 400, { error: 'invalid_scope' });
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + tokenLifetimeSec * 1000);
    if (tokens.size > 10_000) for (const [t, exp] of tokens) if (exp < Date.now()) tokens.delete(t);
    send(res, 'token', 200, { access_token: token, expires_in: tokenLifetimeSec, token_type: 'Bearer', scope: 'mluviiPublicApi' });
  }

  /** 302 to the login page without a bearer token; 401 for an unknown or expired one. Returns true when it answered. */
  function rejectUnauthenticated(req: IncomingMessage, res: ServerResponse, endpoint: string, path: string): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      send(res, endpoint, 302, undefined, { location: `${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(path)}` });
      return true;
    }
    const exp = tokens.get(m[1]);
    if ((exp === undefined || exp <= Date.now()) && opts.rejectedTokenStatus === 302) {
      send(res, endpoint, 302, undefined, { location: `${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(path)}` });
      return true;
    }
    if (exp === undefined || exp <= Date.now()) {
      send(res, endpoint, 401, undefined, {
        'www-authenticate': `Bearer error="invalid_token", error_description="${exp === undefined ? 'The token is invalid' : 'The token expired'}"`,
      });
      return true;
    }
    return false;
  }

  /** The users as `GET /Users` lists them now (`usersNulName` spoils one name). */
  function users() {
    const list = userModels();
    if (misbehaviour.usersNulName) {
      const u = list.find((x) => x.id === NUL_NAME_USER_ID);
      if (u) u.firstName = `${u.firstName ?? ''}\u0000`;
    }
    return list;
  }

  /** The routing-history switches: 404 or 503 for a fixed share of sessions. */
  function routingFailure(id: number): 404 | 503 | undefined {
    if (picks(seed, id, 'routing404', misbehaviour.routingNotFoundRate)) return 404;
    if (picks(seed, id, 'routing503', misbehaviour.routingServerErrorRate)) return 503;
    return undefined;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, r: Route, url: URL): void {
    const now = nowUs();
    if (misbehaviour.htmlPage) {
      return send(res, r.endpoint, 200, '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>', { 'content-type': 'text/html; charset=utf-8' });
    }
    switch (r.endpoint) {
      case 'sessions':
        if (misbehaviour.echoTokenOn400) {
          // As some gateways do: the token in the header AND bare in the message.
          const bare = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
          return send(res, 'sessions', 400, {
            message: `The request is invalid for token ${bare}.`,
            request: { path: url.pathname, authorization: req.headers.authorization ?? null },
          });
        }
        return listSessions(res, url, now);
      case 'session': {
        const d = findDraft(r.id as number);
        return d ? send(res, 'session', 200, shown(d, now, 'detail').session) : send(res, 'session', 404, 'Session ID not found.', { 'content-type': 'text/plain' });
      }
      case 'routingHistory': {
        const d = findDraft(r.id as number);
        const failure = d ? routingFailure(d.id) : undefined;
        if (failure === 404) return send(res, 'routingHistory', 404, 'Session ID not found.', { 'content-type': 'text/plain' });
        if (failure === 503) return send(res, 'routingHistory', 503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
        return d ? send(res, 'routingHistory', 200, shown(d, now, 'detail').routingHistory) : send(res, 'routingHistory', 404, 'Session ID not found.', { 'content-type': 'text/plain' });
      }
      case 'campaign': {
        const failure = misbehaviour.campaignAnswers?.[r.id as number];
        if (failure === 'timeout') return count('campaign', 'hang'); // never answered: the client's timeout ends it
        if (failure === 'not-a-campaign') return send(res, 'campaign', 200, { status: 'ok', items: [] });
        if (failure === 403) return send(res, 'campaign', 403, { message: 'Authorization has been denied for this request.' });
        if (failure === 404) return send(res, 'campaign', 404, 'Campaign not found.', { 'content-type': 'text/plain' });
        if (failure !== undefined) return send(res, 'campaign', failure, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
        const c = campaignModel(r.id as number);
        return c ? send(res, 'campaign', 200, c) : send(res, 'campaign', 404, 'Campaign not found.', { 'content-type': 'text/plain' });
      }
      case 'users': {
        const failure = misbehaviour.usersAnswer;
        if (failure === 'garbage') return send(res, 'users', 200, '[{"id":4,"firstName":"Pe', { 'content-type': 'application/json; charset=utf-8' });
        if (failure === 403) return send(res, 'users', 403, { message: 'Authorization has been denied for this request.' });
        if (failure === 404) return send(res, 'users', 404, undefined);
        if (failure !== undefined) return send(res, 'users', failure, { message: 'An error has occurred.' });
        return send(res, 'users', 200, users());
      }
      case 'fileContent': {
        const d = findDraft(r.id as number);
        const key = r.fileKey as string;
        if (!fileWorld || !d || !FileWorld.listed(shown(d, now, 'detail').session, key)) return send(res, 'fileContent', 404, 'File not found.', { 'content-type': 'text/plain' });
        void fileWorld.serveApi(res, d.id, key, url.searchParams.get('v')).then(
          (status) => count('fileContent', String(status)),
          () => res.destroy(),
        );
        return;
      }
      case 'user': {
        const u = users().find((x) => x.id === r.id);
        return u ? send(res, 'user', 200, u) : send(res, 'user', 404, 'User not found.', { 'content-type': 'text/plain' });
      }
      default:
        return send(res, 'unknown', 404, undefined);
    }
  }

  function listSessions(res: ServerResponse, url: URL, now: number): void {
    const q = queryOf(url);
    const one = (k: string) => q.get(k)?.[0];
    const errors: Record<string, string> = {};
    const int = (k: string, dflt: number) => {
      const raw = one(k);
      if (raw === undefined) return dflt;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) errors[k] = `The value '${raw}' is not valid.`;
      return n;
    };
    const limit = int('limit', DEFAULT_LIMIT);
    const offset = int('offset', 0);
    const instant = (k: string) => {
      const raw = one(k);
      if (raw === undefined) return undefined;
      const ms = parseQueryInstant(raw);
      if (ms === undefined) errors[k] = `The value '${raw}' is not valid.`;
      return ms;
    };
    const from = instant('created.min');
    const to = instant('created.max');
    const ids = (q.get('sessionid') ?? []).map(Number).filter((n) => Number.isSafeInteger(n));
    if ((from === undefined || to === undefined) && ids.length === 0 && !errors['created.min'] && !errors['created.max']) {
      errors.Created = 'This simulator needs Created.Min and Created.Max (or SessionId).';
    }
    if (Object.keys(errors).length) return send(res, 'sessions', 400, errors);
    const broken = misbehaviour.brokenRange;
    if (broken && from !== undefined && to !== undefined && from < broken.to.getTime() && to > broken.from.getTime()) {
      return send(res, 'sessions', 503, { error: 'simulated outage for this range' });
    }

    const set = (k: string) => q.get(k)?.map((v) => v.toLowerCase());
    const status = set('status');
    const channel = set('channel');
    const source = set('source');
    const departments = q.get('departmentid')?.map(Number);
    const filtered = Boolean(status || channel || source || departments || ids.length);
    const rate = filtered ? 0 : (misbehaviour.malformedRate ?? 0);

    let entries: ListEntry[];
    if (from !== undefined && to !== undefined) {
      entries = listing(from, to, now, rate);
    } else {
      entries = [];
      for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
        const d = findDraft(id);
        if (d) entries.push({ draft: d, hour: hourOfSessionId(id), index: (id % IDS_PER_HOUR) - 1 });
      }
    }
    const cap = misbehaviour.pageSizeCap;
    const size = cap !== undefined && cap > 0 ? Math.min(limit, cap) : limit;
    listCalls += 1;
    if (misbehaviour.unstableOrder) {
      const r = new Rng(mixSeed(seed, 0x0dd, listCalls));
      for (let i = entries.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [entries[i], entries[j]] = [entries[j], entries[i]];
      }
    }
    let page: unknown[];
    if (misbehaviour.endlessPages && entries.length > 0) {
      // Past the end it keeps going: full pages, cycling through the window with ids never seen before, forever.
      page = Array.from({ length: size }, (_, i) => {
        const round = Math.floor((offset + i) / entries.length);
        const item = render(entries[(offset + i) % entries.length], now);
        return round === 0 || !item || typeof item !== 'object' ? item : { ...item, id: Number((item as { id?: unknown }).id) + round * ENDLESS_ID_STEP };
      });
    } else if (!filtered) {
      // Only the page is rendered: a long window is paged many times.
      page = entries.slice(offset, offset + size).map((e) => render(e, now));
    } else {
      const kept = entries
        .map((e) => shown(e.draft, now, 'list').session)
        .filter((s) => {
          if (ids.length && !ids.includes(Number(s.id))) return false;
          if (status && !status.includes(String(s.status).toLowerCase())) return false;
          if (channel && !channel.includes(String(s.channel).toLowerCase())) return false;
          if (source && !source.includes(String(s.source).toLowerCase())) return false;
          if (departments && !departments.includes(Number(s.departmentId))) return false;
          return true;
        });
      page = kept.slice(offset, offset + size);
    }
    send(res, 'sessions', 200, page);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const r = route(req.method ?? 'GET', url.pathname);
    stats.total += 1;
    res.on('error', () => undefined); // a client that timed out and left is not the server's problem
    if (r.endpoint === 'token') {
      if (misbehaviour.tokenHangs) return count('token', 'hang'); // never answered; stop() closes the socket
      if (injectFailure(req, res, 'token')) return;
      if ((misbehaviour.slowRate ?? 0) > 0 && chaos.next() < (misbehaviour.slowRate ?? 0)) await sleep(misbehaviour.slowMs ?? 1000);
      return handleToken(req, res);
    }
    if (r.endpoint === 'login') {
      return send(res, 'login', 200, '<!DOCTYPE html><html><head><title>mluvii – Login</title></head><body><form method="post"><input name="Username"><input name="Password" type="password"></form></body></html>', { 'content-type': 'text/html; charset=utf-8' });
    }
    if (!r.api) return send(res, 'unknown', 404, undefined);

    const arrival = performance.timeOrigin + performance.now();
    stats.arrivals.push(arrival);
    const limit = misbehaviour.rateLimitRps;
    if (limit !== undefined && limit > 0) {
      while (admitted.length && admitted[0] <= arrival - 1000) admitted.shift();
      if (admitted.length >= limit) {
        return send(res, r.endpoint, 429, { message: 'API calls quota exceeded.' }, { 'retry-after': nextRetryAfter() });
      }
      admitted.push(arrival);
    }
    const throttle = misbehaviour.throttle;
    if (throttle && (throttle.times === undefined || throttled < throttle.times)) {
      throttled += 1;
      return send(res, r.endpoint, 429, { message: 'API calls quota exceeded.' }, { 'retry-after': throttle.retryAfter });
    }
    if (injectFailure(req, res, r.endpoint)) return;
    if (rejectUnauthenticated(req, res, r.endpoint, url.pathname + url.search)) return;
    if ((misbehaviour.slowRate ?? 0) > 0 && chaos.next() < (misbehaviour.slowRate ?? 0)) {
      await sleep(misbehaviour.slowMs ?? 1000);
      if (res.destroyed || req.socket.destroyed) return count(r.endpoint, 'abandoned');
    }
    handleApi(req, res, r, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 'error', 500, { message: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  selfUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // The storage host of files with foreign addresses: another origin (its own port), never the API.
  const storage = fileWorld
    ? createServer((req, res) => {
        res.on('error', () => undefined);
        const u = new URL(req.url ?? '/', 'http://storage');
        fileWorld.serveStorage(res, req.headers.authorization, u.pathname, u.searchParams).catch(() => res.destroy());
      })
    : undefined;
  if (storage && fileWorld) {
    await new Promise<void>((resolve, reject) => {
      storage.once('error', reject);
      storage.listen(0, host, () => resolve());
    });
    fileWorld.storageUrl = `http://${host.includes(':') ? `[${host}]` : host}:${(storage.address() as AddressInfo).port}`;
  }

  return {
    url: selfUrl,
    clientId,
    clientSecret,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (storage) {
        await new Promise<void>((resolve) => {
          storage.close(() => resolve());
          storage.closeAllConnections();
        });
      }
    },
    files: fileWorld,
    setMisbehaviour(m) {
      misbehaviour = { ...m };
      throttled = 0;
    },
    setNow(now) {
      nowFn = now;
    },
    stats() {
      return { byEndpoint: structuredClone(stats.byEndpoint), total: stats.total, arrivals: [...stats.arrivals] };
    },
    resetStats() {
      stats = { byEndpoint: {}, total: 0, arrivals: [] };
    },
    expectedSessionIds(from, to) {
      return listing(from.getTime(), to.getTime(), nowUs(), 0, false).map((e) => e.draft.id);
    },
    expectedMalformedCount(from, to) {
      return listing(from.getTime(), to.getTime(), nowUs(), misbehaviour.malformedRate ?? 0).filter((e) => e.malformed).length;
    },
    expireTokens() {
      for (const t of tokens.keys()) tokens.set(t, 0);
    },
    issuedTokens() {
      return [...tokens.keys()];
    },
    sessionDetail(id) {
      const d = findDraft(id);
      if (!d) return undefined;
      const { session, routingHistory } = shown(d, nowUs(), 'detail');
      return { session, routingHistory: routingFailure(id) ? undefined : routingHistory };
    },
  };
}

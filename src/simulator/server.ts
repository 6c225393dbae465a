/**
 * A fake mluvii Public API on localhost (node:http, no framework), as close to the real one as the
 * public sources allow: the same paths (case-insensitive), OAuth2 client_credentials at
 * /login/connect/token, no token → 302 to a login page, a bad or expired token → 401,
 * `Created.Min/Max` + `limit`/`offset` paging over a bare JSON array, the routing history as a
 * bare array, campaigns and users (http/routes.ts lists them).
 *
 * Sessions come from the deterministic generator; the server's clock (`now`) decides which exist
 * and how far they have got. Misbehaviour (misbehaviour.ts) is switchable at run time, and every
 * request is counted by endpoint and status, with API arrival times kept for rate assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SESSIONS_PER_DAY } from './contact-center/traffic-profile.js';
import { Anonymizer } from './anonymization.js';
import { FileWorld, type SimulatedFiles } from './files.js';
import { TokenAuth } from './http/auth.js';
import { dispatch } from './http/dispatch.js';
import { HttpFaults } from './http/faults.js';
import { RequestStats, type SimulatorStats } from './http/request-stats.js';
import { writeResponse, type Send } from './http/response.js';
import type { ServerContext } from './http/server-context.js';
import { SessionStore } from './http/session-store.js';
import { routingFailure, showSession } from './http/session-views.js';
import type { Misbehaviour } from './misbehaviour.js';
import type { RoutingTimeLine, SessionModel } from './payloads.js';
import { WebhookDelivery, type DeliveryReport } from './webhooks/delivery.js';
import { WebhookRegistry } from './webhooks/registry.js';

export type { Misbehaviour } from './misbehaviour.js';
export type { SimulatedFiles } from './files.js';
export type { SimulatorStats } from './http/request-stats.js';
export type { DeliveryReport } from './webhooks/delivery.js';

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
  /**
   * The simulated clock: sessions created after it do not exist yet, and it decides how far each
   * one has got. Always given (the `simulator` command passes the real one), so no test runs on
   * the real date or hour by accident.
   */
  now: () => Date;
  /**
   * Recordings and shared files served for download (files.ts), with their misbehaviours. Off by
   * default: recordings then keep the generator's placeholder addresses.
   */
  files?: SimulatedFiles;
  /**
   * The tenant's automatic anonymization: sessions are anonymized this many days after they were
   * created, on the simulator's clock (anonymization.ts); undefined (default): only on request.
   */
  anonymizeAfterDays?: number;
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
  /** API requests that asked for these sessions by id since the last reset (a list of n ids by SessionId counts 1/n for each). */
  requestsForSessions(ids: Iterable<number>): number;
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
  /**
   * Sends the webhook events due up to `instant` (the simulator's time) to the registered
   * callbacks and resolves when each was answered or given up (webhooks/delivery.ts). Events are
   * sent from the clock at start on; nothing before a callback's registration.
   */
  deliverWebhooksUpTo(instant: Date): Promise<DeliveryReport>;
  /** Delivers webhooks on a timer, following the simulator's clock (the `simulator` command does). */
  startWebhookDelivery(intervalMs?: number): void;
  /** Every webhook delivery so far, added up. */
  webhookReport(): DeliveryReport;
  /** Anonymizes a session now (as `POST /api/v1/Sessions/{id}/anonymize` does); false when it does not exist yet. */
  anonymize(id: number): boolean;
  /** Switches the automatic anonymization (days after creation) on, to another delay, or off (undefined). */
  setAnonymizeAfterDays(days: number | undefined): void;
}

const DEFAULTS = { seed: 1, host: '127.0.0.1', clientId: 'sim', clientSecret: 'sim-secret', tokenLifetimeSec: 3600 };

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const seed = opts.seed ?? DEFAULTS.seed;
  const host = opts.host ?? DEFAULTS.host;
  let nowFn = opts.now;
  const timers = new Set<NodeJS.Timeout>();
  const stats = new RequestStats();
  const send: Send = (res, endpoint, status, body, headers) => {
    stats.count(endpoint, String(status));
    writeResponse(res, status, body, headers);
  };
  const ctx: ServerContext = {
    seed,
    misbehaviour: { ...opts.misbehaviour },
    nowUs: () => nowFn().getTime() * 1000,
    sessions: new SessionStore(seed, opts.sessionsPerDay ?? DEFAULT_SESSIONS_PER_DAY),
    auth: new TokenAuth(
      {
        clientId: opts.clientId ?? DEFAULTS.clientId,
        clientSecret: opts.clientSecret ?? DEFAULTS.clientSecret,
        tokenLifetimeSec: opts.tokenLifetimeSec ?? DEFAULTS.tokenLifetimeSec,
        rejectedTokenStatus: opts.rejectedTokenStatus,
      },
      send,
    ),
    faults: new HttpFaults(seed, send, stats),
    stats,
    files: opts.files ? new FileWorld(seed, opts.files) : undefined,
    webhooks: new WebhookRegistry(),
    anonymizer: new Anonymizer(opts.anonymizeAfterDays),
    selfUrl: '',
    listCalls: 0,
    send,
    sleep(ms) {
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      });
    },
  };

  const delivery = new WebhookDelivery({ seed, sessions: ctx.sessions, registry: ctx.webhooks, misbehaviour: () => ctx.misbehaviour, nowMs: () => nowFn().getTime() });

  const server = createServer((req, res) => {
    dispatch(ctx, req, res).catch((err: unknown) => {
      if (!res.headersSent) ctx.send(res, 'error', 500, { message: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  ctx.selfUrl = originOf(host, await listen(server, opts.port ?? 0, host));

  // The storage host of files with foreign addresses: another origin (its own port), never the API.
  const fileWorld = ctx.files;
  const storage = fileWorld
    ? createServer((req, res) => {
        res.on('error', () => undefined);
        const u = new URL(req.url ?? '/', 'http://storage');
        fileWorld.serveStorage(res, req.headers.authorization, u.pathname, u.searchParams).catch(() => res.destroy());
      })
    : undefined;
  if (storage && fileWorld) fileWorld.storageUrl = originOf(host, await listen(storage, 0, host));

  return {
    url: ctx.selfUrl,
    clientId: ctx.auth.opts.clientId,
    clientSecret: ctx.auth.opts.clientSecret,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await delivery.stop();
      await close(server);
      if (storage) await close(storage);
    },
    files: fileWorld,
    setMisbehaviour(m) {
      ctx.misbehaviour = { ...m };
      ctx.faults.switched();
    },
    setNow(now) {
      nowFn = now;
    },
    stats: () => stats.snapshot(),
    requestsForSessions: (ids) => stats.requestsFor(ids),
    resetStats: () => stats.reset(),
    expectedSessionIds(from, to) {
      return ctx.sessions.listing(from.getTime(), to.getTime(), ctx.nowUs(), 0, undefined).map((e) => e.draft.id);
    },
    expectedMalformedCount(from, to) {
      const entries = ctx.sessions.listing(from.getTime(), to.getTime(), ctx.nowUs(), ctx.misbehaviour.malformedRate ?? 0, ctx.misbehaviour.duplicateRate);
      return entries.filter((e) => e.malformed).length;
    },
    anonymize(id) {
      const now = ctx.nowUs();
      if (!ctx.sessions.find(id, now)) return false;
      ctx.anonymizer.request(id, now);
      return true;
    },
    setAnonymizeAfterDays(days) {
      ctx.anonymizer.afterDays = days;
    },
    expireTokens: () => ctx.auth.expireAll(),
    deliverWebhooksUpTo: (instant) => delivery.deliverUpTo(instant),
    startWebhookDelivery: (intervalMs) => delivery.startLive(intervalMs),
    webhookReport: () => delivery.report(),
    issuedTokens: () => ctx.auth.issued(),
    sessionDetail(id) {
      const now = ctx.nowUs();
      const d = ctx.sessions.find(id, now);
      if (!d) return undefined;
      const { session, routingHistory } = showSession(ctx, d, now, 'detail');
      return { session, routingHistory: routingFailure(ctx, id) ? undefined : routingHistory };
    },
  };
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function originOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Closes the server and, at once, every connection it still has (a hanging request included). */
function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

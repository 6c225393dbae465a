/**
 * `serve`'s HTTP server (node:http): mluvii's webhook calls at
 * `POST /webhooks/mluvii/<tenant>/<secret>`, and `/healthz`, `/readyz`, `/metrics`.
 *
 * A webhook call is refused without work where it can be: a wrong tenant or secret is a 404
 * before its body is read (the secret is compared in constant time: mluvii does not sign its
 * calls, the secret path is all that guards them); a body announced or found larger than
 * `maxBodyBytes` is a 413, and reading stops there; a body that is no known event is a 400.
 * An accepted event is answered 200 only once the sink has kept it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { HttpEndpoint, ServeMetrics, WarehouseFigures } from './metrics.js';
import { parseWebhookEvent } from './webhook-event.js';
import type { WebhookSink } from './webhook-sink.js';

/** mluvii's events are a few hundred bytes; this leaves room for call parameters and nothing more. */
export const MAX_WEBHOOK_BODY_BYTES = 16_384;

export interface ServeOptions {
  sink: WebhookSink;
  /** A tenant's webhook secret; undefined for a name that is no tenant. */
  secretOf: (tenant: string) => string | undefined;
  metrics: ServeMetrics;
  /** Resolves when the warehouse's database answers. */
  pingDatabase: () => Promise<void>;
  /** The warehouse's figures for a scrape of /metrics. */
  readFigures: () => Promise<WarehouseFigures>;
  logger: Logger;
  maxBodyBytes?: number;
  /** How long /healthz, /readyz and /metrics wait for the database; default 2000 ms. */
  databaseTimeoutMs?: number;
}

export interface RunningServe {
  url: string;
  port: number;
  /** Stops answering ready, then stops accepting connections and waits for the calls in flight. */
  stop(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Compared against when the tenant is unknown, so a wrong tenant costs what a wrong secret does. */
const NO_SECRET = digest(randomBytes(32).toString('hex'));

export async function startServe(opts: ServeOptions, listen: { port: number; host: string }): Promise<RunningServe> {
  let ready = true;
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    let endpoint: HttpEndpoint = 'other';
    res.on('finish', () => opts.metrics.answered(endpoint, res.statusCode, (performance.now() - started) / 1000));
    res.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    const segments = path.split('/');
    if (segments[1] === 'webhooks') {
      endpoint = 'webhook';
      handleWebhook(opts, req, res, segments).catch((err: unknown) => {
        opts.logger.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'webhook call failed');
        if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, path === '/healthz' || path === '/readyz' || path === '/metrics' ? 405 : 404, { error: 'not found' });
    if (path === '/healthz') endpoint = 'healthz';
    else if (path === '/readyz') endpoint = 'readyz';
    else if (path === '/metrics') endpoint = 'metrics';
    else return answer(res, 404, { error: 'not found' });
    answerProbe(opts, endpoint, () => ready, res).catch(() => (res.headersSent ? res.destroy() : answer(res, 500, { error: 'internal error' })));
  });
  // A client that trickles its body is cut off instead of holding a connection for minutes.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async stop() {
      ready = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A keep-alive connection still open after the calls in flight had their time is closed.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
    },
  };
}

async function handleWebhook(opts: ServeOptions, req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> {
  const [, , source, rawTenant, rawSecret, ...rest] = segments;
  const tenant = decode(rawTenant);
  const expected = tenant === undefined ? undefined : opts.secretOf(tenant);
  const label = expected === undefined ? 'unknown' : (tenant as string);
  opts.metrics.webhookReceived(label);
  const given = decode(rawSecret);
  const secretMatches = timingSafeEqual(digest(given ?? ''), expected === undefined ? NO_SECRET : digest(expected));
  if (req.method !== 'POST' || source !== 'mluvii' || rest.length || expected === undefined || given === undefined || !secretMatches) {
    opts.metrics.webhookRefused(label, 'not_found');
    return refuseUnread(req, res, 404, { error: 'not found' });
  }
  const limit = opts.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    opts.metrics.webhookRefused(label, 'too_large');
    return refuseUnread(req, res, 413, { error: `the body is larger than ${limit} bytes` });
  }
  const body = await readBounded(req, limit);
  if (body === 'aborted') return;
  if (body === 'too_large') {
    opts.metrics.webhookRefused(label, 'too_large');
    return refuseUnread(req, res, 413, { error: `the body is larger than ${limit} bytes` });
  }
  const parsed = parseWebhookEvent(body);
  if ('problem' in parsed) {
    opts.metrics.webhookRefused(label, 'bad_request');
    return answer(res, 400, { error: `not a known mluvii event: ${parsed.problem}` });
  }
  try {
    await opts.sink.accept(label, parsed.event);
  } catch (err) {
    opts.metrics.webhookRefused(label, 'unavailable');
    opts.logger.warn({ tenant: label, eventType: parsed.event.eventType, err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'a webhook event could not be queued; mluvii will retry it');
    return answer(res, 503, { error: 'the event could not be queued; try again' });
  }
  opts.metrics.webhookAccepted(label, parsed.event.eventType);
  answer(res, 200, { status: 'accepted' });
}

async function answerProbe(opts: ServeOptions, endpoint: 'healthz' | 'readyz' | 'metrics', ready: () => boolean, res: ServerResponse): Promise<void> {
  const timeoutMs = opts.databaseTimeoutMs ?? 2000;
  if (endpoint === 'metrics') {
    const figures = await withTimeout(opts.readFigures(), timeoutMs).catch((err: unknown) => {
      opts.logger.warn({ err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'the warehouse\'s figures could not be read for /metrics');
      return undefined;
    });
    opts.metrics.setFigures(figures);
    const { contentType, text } = await opts.metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const database = await withTimeout(opts.pingDatabase(), timeoutMs).then(
    () => 'reachable',
    (err: unknown) => `unreachable: ${(err as Error)?.message ?? String(err)}`,
  );
  const ok = database === 'reachable' && (endpoint === 'healthz' || ready());
  answer(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', database, ...(endpoint === 'readyz' ? { accepting: ready() } : {}) });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers without reading (the rest of) the body, and closes the connection: nothing more of it is read. */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  req.pause();
  res.shouldKeepAlive = false;
  // Node would otherwise read the unread body to its end (discarding it) before closing: the
  // answer is given a moment to leave, then the connection is cut.
  res.once('finish', () => {
    req.socket.destroySoon();
    setTimeout(() => req.socket.destroy(), 50).unref();
  });
  answer(res, status, body);
}

/** The body as text, or 'too_large' as soon as it passes `limit` bytes (the rest is never read). */
function readBounded(req: IncomingMessage, limit: number): Promise<string | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (v: string | 'too_large' | 'aborted') => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return settle('too_large');
      parts.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(Buffer.concat(parts).toString('utf8')));
    req.once('error', () => settle('aborted'));
    req.once('close', () => settle('aborted'));
  });
}

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

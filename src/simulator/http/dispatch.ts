/**
 * Every request's way through the simulated API: its route, then what its door puts in front of
 * the handler, in the order a real gateway and API would: rate limit and throttling, injected
 * failures, the Bearer check, slowness, a maintenance page. The order is fixed because injected
 * failures and slowness draw from one stream: another order would meet other failures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchRoute } from './routes.js';
import type { ServerContext } from './server-context.js';

const MAINTENANCE_PAGE = '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>';

export async function dispatch(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const { endpoint, door, handle, params } = matchRoute(req.method ?? 'GET', url.pathname);
  ctx.stats.received();
  res.on('error', () => undefined); // a client that timed out and left is not the server's problem
  // The switches are read at each step: `setMisbehaviour` may change them while a request sleeps.
  if (door === 'token') {
    if (ctx.misbehaviour.tokenHangs) return ctx.stats.count(endpoint, 'hang'); // never answered; stop() closes the socket
    if (ctx.faults.failed(ctx.misbehaviour, req, res, endpoint)) return;
    if (ctx.faults.slow(ctx.misbehaviour)) await ctx.sleep(ctx.misbehaviour.slowMs ?? 1000);
  } else if (door === 'api') {
    const arrival = performance.timeOrigin + performance.now();
    ctx.stats.arrived(arrival);
    const asked = endpoint === 'session' || endpoint === 'routingHistory' ? [Number(params.id)] : endpoint === 'sessions' ? url.searchParams.getAll('SessionId').map(Number) : [];
    if (asked.length) ctx.stats.askedFor(asked);
    if (ctx.faults.limited(ctx.misbehaviour, res, endpoint, arrival)) return;
    if (ctx.faults.failed(ctx.misbehaviour, req, res, endpoint)) return;
    const maxQuery = ctx.misbehaviour.maxQueryChars;
    if (maxQuery !== undefined && url.search.length - 1 > maxQuery) return ctx.send(res, endpoint, 404, 'The request filtering module is configured to deny a request where the query string is too long.', { 'content-type': 'text/plain' });
    if (ctx.auth.rejected(req, res, endpoint, url.pathname + url.search)) return;
    if (ctx.faults.slow(ctx.misbehaviour)) {
      await ctx.sleep(ctx.misbehaviour.slowMs ?? 1000);
      if (res.destroyed || req.socket.destroyed) return ctx.stats.count(endpoint, 'abandoned');
    }
    if (ctx.misbehaviour.htmlPage) return ctx.send(res, endpoint, 200, MAINTENANCE_PAGE, { 'content-type': 'text/html; charset=utf-8' });
  }
  await handle(ctx, { req, res, url, endpoint, params, now: ctx.nowUs() });
}

/** One session by id: `GET /Sessions/{id}`, its `/routingHistory`, its files' content, and `POST …/anonymize`. */
import { FileWorld } from '../files.js';
import { SERVICE_UNAVAILABLE_PAGE } from './response.js';
import type { Call, ServerContext } from './server-context.js';
import { routingFailure, showSession } from './session-views.js';

const NOT_FOUND = 'Session ID not found.';

export function sessionDetail(ctx: ServerContext, { res, params, now }: Call): void {
  const d = ctx.sessions.find(Number(params.id), now);
  if (!d) return ctx.send(res, 'session', 404, NOT_FOUND, { 'content-type': 'text/plain' });
  ctx.send(res, 'session', 200, showSession(ctx, d, now, 'detail').session);
}

export function routingHistory(ctx: ServerContext, { res, params, now }: Call): void {
  const d = ctx.sessions.find(Number(params.id), now);
  const failure = d ? routingFailure(ctx, d.id) : undefined;
  if (failure === 404) return ctx.send(res, 'routingHistory', 404, NOT_FOUND, { 'content-type': 'text/plain' });
  if (failure === 503) return ctx.send(res, 'routingHistory', 503, SERVICE_UNAVAILABLE_PAGE, { 'content-type': 'text/html' });
  if (!d) return ctx.send(res, 'routingHistory', 404, NOT_FOUND, { 'content-type': 'text/plain' });
  ctx.send(res, 'routingHistory', 200, showSession(ctx, d, now, 'detail').routingHistory);
}

/** Only files the session's detail lists with an address are served (../files.ts decides how). */
export function fileContent(ctx: ServerContext, { res, url, params, now }: Call): void {
  const d = ctx.sessions.find(Number(params.sessionId), now);
  const key = params.fileKey;
  const files = ctx.files;
  if (!files || !d || !FileWorld.listed(showSession(ctx, d, now, 'detail').session, key)) {
    return ctx.send(res, 'fileContent', 404, 'File not found.', { 'content-type': 'text/plain' });
  }
  void files.serveApi(res, d.id, key, url.searchParams.get('v')).then(
    (status) => ctx.stats.count('fileContent', String(status)),
    () => res.destroy(),
  );
}

/** `POST /api/v1/Sessions/{id}/anonymize`: mluvii anonymizes the session now (../anonymization.ts). */
export function anonymizeSession(ctx: ServerContext, { res, params, now }: Call): void {
  const d = ctx.sessions.find(Number(params.id), now);
  if (!d) return ctx.send(res, 'anonymize', 404, NOT_FOUND, { 'content-type': 'text/plain' });
  ctx.anonymizer.request(d.id, now);
  ctx.send(res, 'anonymize', 200, {});
}

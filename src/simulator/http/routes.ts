/**
 * The simulated API's routes: method and path pattern → handler. Paths match case-insensitively
 * and without trailing slashes, as on the real API. `door` says what a request meets before its
 * handler (dispatch.ts): nothing, the token endpoint's failures, or everything an API call meets.
 */
import { LOGIN_PAGE, LOGIN_PATH } from './auth.js';
import { campaign, user, users } from './catalog-endpoints.js';
import { listSessions } from './list-sessions.js';
import type { Handler } from './server-context.js';
import { anonymizeSession, fileContent, routingHistory, sessionDetail } from './session-endpoints.js';
import { addWebhook, editWebhook, getWebhook, listWebhooks, removeWebhook } from './webhook-endpoints.js';

export type Door = 'open' | 'token' | 'api';

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'ANY';
  /** `{name}` is a path parameter, matched by PARAMS[name]. */
  path: string;
  /** The name requests are counted under. */
  endpoint: string;
  door: Door;
  handle: Handler;
}

const PARAMS: Record<string, string> = {
  id: '-?\\d+',
  sessionId: '\\d+',
  fileKey: '(?:recording|file)-\\d+',
};

const issueToken: Handler = (ctx, { req, res }) => ctx.auth.issue(req, res);
const loginPage: Handler = (ctx, { res }) => ctx.send(res, 'login', 200, LOGIN_PAGE, { 'content-type': 'text/html; charset=utf-8' });
const notFound: Handler = (ctx, { res }) => ctx.send(res, 'unknown', 404, undefined);

const ROUTES: readonly RouteSpec[] = [
  // Any method: the token endpoint answers 405 itself, after its misbehaviours.
  { method: 'ANY', path: '/login/connect/token', endpoint: 'token', door: 'token', handle: issueToken },
  { method: 'ANY', path: LOGIN_PATH, endpoint: 'login', door: 'open', handle: loginPage },
  { method: 'GET', path: '/api/v1/Sessions', endpoint: 'sessions', door: 'api', handle: listSessions },
  { method: 'GET', path: '/api/v1/Sessions/{id}', endpoint: 'session', door: 'api', handle: sessionDetail },
  { method: 'GET', path: '/api/v1/Sessions/{id}/routingHistory', endpoint: 'routingHistory', door: 'api', handle: routingHistory },
  { method: 'POST', path: '/api/v1/Sessions/{id}/anonymize', endpoint: 'anonymize', door: 'api', handle: anonymizeSession },
  { method: 'GET', path: '/api/v1/Sessions/{sessionId}/files/{fileKey}/content', endpoint: 'fileContent', door: 'api', handle: fileContent },
  { method: 'GET', path: '/api/v1/Campaigns/{id}', endpoint: 'campaign', door: 'api', handle: campaign },
  { method: 'GET', path: '/api/v1/Users', endpoint: 'users', door: 'api', handle: users },
  { method: 'GET', path: '/api/v1/Users/{id}', endpoint: 'user', door: 'api', handle: user },
  { method: 'GET', path: '/api/v1/Webhooks', endpoint: 'webhooks', door: 'api', handle: listWebhooks },
  { method: 'POST', path: '/api/v1/Webhooks', endpoint: 'webhooks', door: 'api', handle: addWebhook },
  { method: 'GET', path: '/api/v1/Webhooks/{id}', endpoint: 'webhook', door: 'api', handle: getWebhook },
  { method: 'PUT', path: '/api/v1/Webhooks/{id}', endpoint: 'webhook', door: 'api', handle: editWebhook },
  { method: 'DELETE', path: '/api/v1/Webhooks/{id}', endpoint: 'webhook', door: 'api', handle: removeWebhook },
];

interface CompiledRoute extends RouteSpec {
  pattern: RegExp;
  names: string[];
}

const COMPILED: readonly CompiledRoute[] = ROUTES.map((r) => {
  const names: string[] = [];
  const source = r.path
    .split(/(\{\w+\})/)
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part)?.[1];
      if (param === undefined) return part.toLowerCase().replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(param);
      return `(${PARAMS[param]})`;
    })
    .join('');
  return { ...r, pattern: new RegExp(`^${source}$`), names };
});

export interface RouteMatch {
  endpoint: string;
  door: Door;
  handle: Handler;
  params: Record<string, string>;
}

export function matchRoute(method: string, pathname: string): RouteMatch {
  const path = pathname.toLowerCase().replace(/\/+$/, '');
  for (const r of COMPILED) {
    if (r.method !== 'ANY' && r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => (params[name] = m[i + 1]));
    return { endpoint: r.endpoint, door: r.door, handle: r.handle, params };
  }
  // Unknown API paths still meet everything an API call meets (a 404 behind the Bearer check).
  return { endpoint: 'unknown', door: path.startsWith('/api/') ? 'api' : 'open', handle: notFound, params: {} };
}

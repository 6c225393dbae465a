import { createLogger } from '../../src/log.js';
import { pingDatabase } from '../../src/load/serve-figures.js';
import { startServe, type RunningServe } from '../../src/serve/http-server.js';
import { ServeMetrics } from '../../src/serve/metrics.js';
import { REGISTERED_EVENT_TYPES } from '../../src/serve/webhook-event.js';
import { openWebhookQueue } from '../../src/serve/webhook-queue.js';
import type { RunningSimulator } from '../../src/simulator/server.js';
import type { TestDatabase } from './db.js';

/**
 * The intraday path as it runs in production, in this process: `serve` (real HTTP, its sink the
 * real pg-boss queue) registered in the simulator's webhook registry for the tenant's events, so
 * that the simulator's deliveries (deliverWebhooksUpTo) reach it and become `session-hint` jobs.
 */
export interface Intraday {
  serve: RunningServe;
  /** The address mluvii calls (it holds the secret). */
  callbackUrl: string;
  stop(): Promise<void>;
}

async function simApi(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const t = await fetch(`${sim.url}/login/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }) });
  const token = ((await t.json()) as { access_token: string }).access_token;
  const r = await fetch(`${sim.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

/** Registers `callbackUrl` in the simulator's webhook registry for the events `webhooks register` asks for. */
export async function registerWebhook(sim: RunningSimulator, callbackUrl: string): Promise<void> {
  const registered = await simApi(sim, 'POST', '/api/v1/Webhooks', { EventTypes: [...REGISTERED_EVENT_TYPES], CallbackUrl: callbackUrl });
  if (registered.status !== 200) throw new Error(`the simulator refused the webhook registration: ${registered.status}`);
}

/** Deletes every webhook registration of the simulator: nothing is delivered any more, whatever its clock does. */
export async function removeWebhooks(sim: RunningSimulator): Promise<void> {
  const list = await simApi(sim, 'GET', '/api/v1/Webhooks');
  for (const w of list.json as Array<{ id: number }>) await simApi(sim, 'DELETE', `/api/v1/Webhooks/${w.id}`);
}

export async function startIntraday(db: Pick<TestDatabase, 'url' | 'knex'>, sim: RunningSimulator, opts: { secret: string; tenant?: string; debounceMs: number }): Promise<Intraday> {
  const tenant = opts.tenant ?? 'default';
  const logger = createLogger({ level: 'silent', pretty: false });
  const queue = await openWebhookQueue(db.url, logger, { debounceMs: opts.debounceMs });
  const serve = await startServe(
    { sink: queue.sink, secretOf: (t) => (t === tenant ? opts.secret : undefined), metrics: new ServeMetrics(), pingDatabase: () => pingDatabase(db.knex), readFigures: async () => ({}), logger },
    { port: 0, host: '127.0.0.1' },
  );
  const callbackUrl = `${serve.url}/webhooks/mluvii/${tenant}/${opts.secret}`;
  await registerWebhook(sim, callbackUrl);
  return {
    serve,
    callbackUrl,
    stop: async () => {
      await serve.stop();
      await queue.stop();
    },
  };
}

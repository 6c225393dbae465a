import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { webhooksCommand } from '../../src/commands/webhooks.js';
import { exitCodeFor } from '../../src/exit-codes.js';
import { createLogger } from '../../src/log.js';
import { pingDatabase } from '../../src/load/serve-figures.js';
import { startServe, type RunningServe } from '../../src/serve/http-server.js';
import { ServeMetrics } from '../../src/serve/metrics.js';
import { REGISTERED_EVENT_TYPES } from '../../src/serve/webhook-event.js';
import { JOBS_SCHEMA, QUEUES } from '../../src/jobs/queues.js';
import { openWebhookQueue } from '../../src/serve/webhook-queue.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { runCommand, testConfig } from '../helpers/warehouse.js';

/** `webhooks register` / `webhooks status` against the simulator, and the whole path: simulator → serve → queue. */
const SECRET = 'cmd-test-secret-0123456789abcdef';
const T0 = busyHourBefore();
const HOUR = 3_600_000;
let sim: RunningSimulator;
let db: TestDatabase;
let queue: Awaited<ReturnType<typeof openWebhookQueue>>;
let serve: RunningServe;

const config = (extra: Record<string, string> = {}) =>
  testConfig({ MLUVII_BASE_URL: sim.url, MLUVII_CLIENT_ID: sim.clientId, MLUVII_CLIENT_SECRET: sim.clientSecret, MLUVII_WEBHOOK_SECRET: SECRET, DATABASE_URL: db.url, ...extra });
const webhooks = (action: string, opts: Record<string, unknown> = {}, extra?: Record<string, string>) => runCommand(webhooksCommand, config(extra), { args: [action], ...opts }, T0);

async function simApi(method: string, path: string, body?: unknown): Promise<unknown> {
  const t = await fetch(`${sim.url}/login/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }) });
  const token = ((await t.json()) as { access_token: string }).access_token;
  const r = await fetch(`${sim.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(T0), seed: 11, sessionsPerDay: 600 });
  db = await freshDatabase();
  queue = await openWebhookQueue(db.url, createLogger({ level: 'silent', pretty: false }), { debounceMs: 30_000 });
  serve = await startServe(
    {
      sink: queue.sink,
      secretOf: (t) => (t === 'default' ? SECRET : undefined),
      metrics: new ServeMetrics(),
      pingDatabase: () => pingDatabase(db.knex),
      readFigures: async () => ({}),
      logger: createLogger({ level: 'silent', pretty: false }),
    },
    { port: 0, host: '127.0.0.1' },
  );
});

afterAll(async () => {
  await serve?.stop();
  await queue?.stop();
  await sim?.stop();
  await db?.drop();
});

describe('mluvii-etl webhooks', () => {
  it('status says when mluvii has no webhook for this tenant', async () => {
    const r = await webhooks('status');
    expect(r.code).toBe(0);
    expect(r.output).toContain('mluvii has no webhooks registered.');
    expect(r.output).toContain('run `mluvii-etl webhooks register --url');
  });

  it('register creates the callback for the event types used, then updates it through the 409; the secret is never printed', async () => {
    const first = await webhooks('register', { url: serve.url });
    expect(first.code).toBe(0);
    expect(first.output).toContain(`Registered a webhook (id 1): ${REGISTERED_EVENT_TYPES.join(', ')} → ${serve.url}/webhooks/mluvii/default/***`);
    expect(first.output).toContain('Warning: the address is not https');
    expect(first.output).not.toContain(SECRET);
    expect(await simApi('GET', '/api/v1/Webhooks')).toEqual([{ id: 1, eventTypes: [...REGISTERED_EVENT_TYPES], callbackUrl: `${serve.url}/webhooks/mluvii/default/${SECRET}` }]);
    // Someone narrowed it in mluvii; registering again restores it (POST → 409 with the id → PUT).
    await simApi('PUT', '/api/v1/Webhooks/1', { EventTypes: ['SessionEnded'], CallbackUrl: `${serve.url}/webhooks/mluvii/default/${SECRET}` });
    expect((await webhooks('status')).output).toContain('Webhook 1 lacks SessionOperatorConcluded, SessionRecordingPostProcessingCompleted');
    const again = await webhooks('register', { url: `${serve.url}/` });
    expect(again.output).toContain('Updated webhook 1 (mluvii had this address already)');
    expect(await simApi('GET', '/api/v1/Webhooks')).toEqual([{ id: 1, eventTypes: [...REGISTERED_EVENT_TYPES], callbackUrl: `${serve.url}/webhooks/mluvii/default/${SECRET}` }]);
  });

  it('status lists the registrations with the secret hidden and marks this tenant\'s, and names an old address of it', async () => {
    await simApi('POST', '/api/v1/Webhooks', { EventTypes: ['SessionCreated', 'UserStatusChanged'], CallbackUrl: 'https://crm.example.com/mluvii' });
    const status = await webhooks('status');
    expect(status.output.split('\n').slice(0, 2)).toEqual([
      `*    1  ${serve.url}/webhooks/mluvii/default/***  ${REGISTERED_EVENT_TYPES.join(', ')}`,
      '     2  https://crm.example.com/mluvii  SessionCreated, UserStatusChanged',
    ]);
    expect(status.output).not.toContain(SECRET);
    const rotated = await webhooks('register', { url: serve.url }, { MLUVII_WEBHOOK_SECRET: 'rotated-secret-0123456789abcdef' });
    expect(rotated.output).toContain(`Note: webhook 1 still calls ${serve.url}/webhooks/mluvii/default/***, another address or secret of this tenant`);
    await simApi('DELETE', '/api/v1/Webhooks/3');
    await simApi('DELETE', '/api/v1/Webhooks/2');
  });

  it('refuses without MLUVII_WEBHOOK_SECRET, with a bad --url, and exits 2 when mluvii refuses the credentials', async () => {
    const noSecret = await webhooks('register', { url: serve.url }, { MLUVII_WEBHOOK_SECRET: '' }).catch((e: unknown) => e as Error);
    expect((noSecret as Error).message).toMatch(/^MLUVII_WEBHOOK_SECRET is required/);
    expect(exitCodeFor(noSecret)).toBe(2);
    for (const url of ['not a url', 'ftp://etl.example.com', 'https://etl.example.com/?x=1', `https://etl.example.com/webhooks/mluvii/default/${SECRET}`]) {
      const err = await webhooks('register', { url }).catch((e: unknown) => e as Error);
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toMatch(/^--url /);
      expect((err as Error).message).not.toContain(SECRET);
    }
    const refused = await webhooks('status', {}, { MLUVII_CLIENT_SECRET: 'wrong' }).catch((e: unknown) => e);
    expect(exitCodeFor(refused)).toBe(2);
  });
});

describe('the whole path: the simulator calls serve, serve queues', () => {
  it('every session an event arrived for has one job after an hour of calls with drops, duplicates and late events; nothing else is queued', async () => {
    sim.setMisbehaviour({ webhookDropRate: 0.1, webhookDuplicateRate: 0.05, webhookReorderRate: 0.1 });
    const end = new Date(T0.getTime() + HOUR);
    sim.setNow(clockAt(end));
    const report = await sim.deliverWebhooksUpTo(end);
    expect(report.failed).toBe(0);
    expect(report.delivered).toBeGreaterThan(20);
    expect(report.dropped + report.duplicated + report.late).toBeGreaterThan(0);
    const r = await db.knex.raw(`SELECT singleton_key, count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = ? GROUP BY singleton_key`, [QUEUES.sessionHint.name]);
    const keys = (r.rows as Array<{ singleton_key: string; n: number }>);
    expect(keys.every((k) => k.n === 1 && /^default:\d+$/.test(k.singleton_key))).toBe(true);
    // Every queued session is one the simulator has, and it ended, concluded or was processed in the hour.
    for (const k of keys) expect(sim.sessionDetail(Number(k.singleton_key.split(':')[1]))).toBeDefined();
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.length).toBeLessThan(report.delivered);
  });
});

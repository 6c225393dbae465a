import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { PgBoss } from 'pg-boss';
import { createLogger } from '../../src/log.js';
import { pingDatabase } from '../../src/load/serve-figures.js';
import { startServe, type RunningServe, type ServeOptions } from '../../src/serve/http-server.js';
import { ServeMetrics } from '../../src/serve/metrics.js';
import { readWarehouseFigures } from '../../src/serve/warehouse-figures.js';
import { JOBS_SCHEMA, QUEUES } from '../../src/jobs/queues.js';
import { openWebhookQueue } from '../../src/serve/webhook-queue.js';
import type { WebhookSink } from '../../src/serve/webhook-sink.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { testConfig } from '../helpers/warehouse.js';

/** serve over real HTTP, its sink the real pg-boss queue in a real Postgres. */
const SECRET = 'test-secret-0123456789abcdef';
const TENANT = 'default';
const logger = createLogger({ level: 'silent', pretty: false });
let db: TestDatabase;
let queue: Awaited<ReturnType<typeof openWebhookQueue>>;
let serve: RunningServe;
let metrics: ServeMetrics;
const others: RunningServe[] = [];

function options(overrides: Partial<ServeOptions> = {}): ServeOptions {
  metrics = overrides.metrics ?? new ServeMetrics();
  return {
    sink: queue.sink,
    secretOf: (t) => (t === TENANT ? SECRET : undefined),
    metrics,
    pingDatabase: () => pingDatabase(db.knex),
    readFigures: () => readWarehouseFigures(db.knex, TENANT, testConfig({ DATABASE_URL: db.url }), clockAt(AFTER_TEST_RANGES)),
    logger,
    ...overrides,
  };
}

const hook = (path = `/webhooks/mluvii/${TENANT}/${SECRET}`) => `${serve.url}${path}`;
const post = (body: string, path?: string) => fetch(hook(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const event = (eventType: string, id: number) => JSON.stringify({ eventType, data: { id, tenantId: 1, channel: 'Chat', source: 'Web', ended: '2026-11-18T16:10:00.5+01:00' } });

async function jobs(key?: string): Promise<Array<{ singleton_key: string; data: Record<string, unknown>; state: string; delay_s: number }>> {
  const r = await db.knex.raw(
    `SELECT singleton_key, data, state::text, extract(epoch FROM start_after - created_on)::float8 AS delay_s FROM ${JOBS_SCHEMA}.job WHERE name = ? ${key ? 'AND singleton_key = ?' : ''} ORDER BY created_on`,
    key ? [QUEUES.sessionHint.name, key] : [QUEUES.sessionHint.name],
  );
  return r.rows;
}

/** Streams a body that never ends (or announces `announced` bytes and sends a few); resolves with the status serve answered while the body was still coming. */
function sendEndless(announced?: number): Promise<{ status: number; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(hook());
    let bytesSent = 0;
    let answered = false;
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: announced ? { 'content-length': String(announced) } : {} });
    const chunk = Buffer.alloc(4096, 0x7b);
    const pump = () => {
      if (answered) return;
      if (announced && bytesSent >= 100) return; // announced big, sends little
      bytesSent += chunk.length;
      if (req.write(chunk)) setImmediate(pump);
      else req.once('drain', pump);
    };
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, bytesSent });
      req.destroy();
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    pump();
  });
}

beforeAll(async () => {
  db = await freshDatabase();
  queue = await openWebhookQueue(db.url, logger, { debounceMs: 30_000 });
  serve = await startServe(options(), { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  for (const s of [serve, ...others]) await s?.stop();
  await queue?.stop();
  await db?.drop();
});

describe('serve: mluvii webhook calls', () => {
  it('answers a wrong secret, a wrong tenant, another path or method 404 and queues nothing', async () => {
    const body = event('SessionEnded', 101);
    for (const path of [`/webhooks/mluvii/${TENANT}/wrong-secret-0123456789abcdef`, `/webhooks/mluvii/${TENANT}/${SECRET.slice(0, -1)}`, `/webhooks/mluvii/other/${SECRET}`, `/webhooks/mluvii/${TENANT}`, `/webhooks/mluvii/${TENANT}/${SECRET}/x`, `/webhooks/other/${TENANT}/${SECRET}`]) {
      expect({ path, status: (await post(body, path)).status }).toEqual({ path, status: 404 });
    }
    expect((await fetch(hook(), { method: 'GET' })).status).toBe(404);
    expect(await jobs()).toEqual([]);
  });

  it('answers a body that is no known event 400, naming why, and queues nothing', async () => {
    const bad = ['not json', '[]', '{}', '{"eventType":"SessionEnded"}', '{"eventType":"SessionExploded","data":{"id":1}}', '{"eventType":"UserStatusChanged","data":{"id":1}}', '{"eventType":"SessionEnded","data":{"id":"7"}}', '{"eventType":"SessionEnded","data":{"id":-3}}', '{"eventType":"SessionEnded","data":{"id":1.5}}'];
    for (const body of bad) {
      const r = await post(body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(((await r.json()) as { error: string }).error).toMatch(/^not a known mluvii event: /);
    }
    expect(await jobs()).toEqual([]);
  });

  it('answers a body over the limit 413 without reading it whole: announced, or streaming without end', async () => {
    expect(await sendEndless(50_000_000)).toEqual({ status: 413, bytesSent: expect.any(Number) });
    const endless = await sendEndless();
    expect(endless.status).toBe(413);
    expect((await post(event('SessionEnded', 1), undefined)).status).toBe(200); // serve goes on
    await db.knex.raw(`DELETE FROM ${JOBS_SCHEMA}.job WHERE name = ?`, [QUEUES.sessionHint.name]);
  });

  it('queues a known event before answering 200: ten events of one session within the debounce become one job, another session its own', async () => {
    const types = ['SessionCreated', 'SessionEnded', 'SessionOperatorConcluded', 'SessionRecordingPostProcessingCompleted', 'SessionEnded'];
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(event(types[i % types.length], 4711))));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await post(event('SessionEnded', 4712))).status).toBe(200);
    const one = await jobs(`${TENANT}:4711`);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ state: 'created', data: { tenant: TENANT, sessionId: 4711 } });
    expect(one[0].delay_s).toBeCloseTo(30, 0);
    expect(await jobs(`${TENANT}:4712`)).toHaveLength(1);
    expect(await jobs()).toHaveLength(2);
  });

  it('gives a follow-up (an operator concluded, recordings processed) a longer wait and a lower priority than a session\'s first appearance', async () => {
    expect((await post(event('SessionOperatorConcluded', 4800))).status).toBe(200);
    expect((await post(event('SessionRecordingPostProcessingCompleted', 4801))).status).toBe(200);
    const timing = async (id: number) =>
      (await db.knex.raw(`SELECT priority, extract(epoch FROM start_after - created_on)::float8 AS delay_s FROM ${JOBS_SCHEMA}.job WHERE name = ? AND singleton_key = ?`, [QUEUES.sessionHint.name, `${TENANT}:${id}`])).rows;
    for (const id of [4800, 4801]) expect(await timing(id)).toEqual([{ priority: 0, delay_s: expect.closeTo(180, 0) }]);
    expect(await timing(4711)).toEqual([{ priority: 1, delay_s: expect.closeTo(30, 0) }]);
    // A SessionEnded of a session whose follow-up waits joins it (and waits with it).
    expect((await post(event('SessionEnded', 4800))).status).toBe(200);
    expect(await timing(4800)).toEqual([{ priority: 0, delay_s: expect.closeTo(180, 0) }]);
  });

  it('queues one more job when an event arrives while its session is being loaded (nothing after a load started is missed)', async () => {
    const boss = new PgBoss({ connectionString: db.url, schema: JOBS_SCHEMA, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      expect((await post(event('SessionEnded', 5000))).status).toBe(200);
      await db.knex.raw(`UPDATE ${JOBS_SCHEMA}.job SET start_after = now() - interval '1 second' WHERE singleton_key = ?`, [`${TENANT}:5000`]);
      const [taken] = await boss.fetch<{ sessionId: number }>(QUEUES.sessionHint.name);
      expect(taken.data.sessionId).toBe(5000);
      expect((await post(event('SessionOperatorConcluded', 5000))).status).toBe(200);
      expect((await post(event('SessionOperatorConcluded', 5000))).status).toBe(200);
      expect((await jobs(`${TENANT}:5000`)).map((j) => j.state).sort()).toEqual(['active', 'created']);
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  it('answers 503 when the sink cannot keep the event, so mluvii retries it', async () => {
    const failing: WebhookSink = { accept: () => Promise.reject(new Error('the queue is down')) };
    const s = await startServe(options({ sink: failing }), { port: 0, host: '127.0.0.1' });
    others.push(s);
    const r = await fetch(`${s.url}/webhooks/mluvii/${TENANT}/${SECRET}`, { method: 'POST', body: event('SessionEnded', 9) });
    expect(r.status).toBe(503);
  });
});

describe('serve: /healthz, /readyz, /metrics', () => {
  it('/healthz and /readyz report the database; unreachable is 503', async () => {
    expect(await (await fetch(`${serve.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'reachable' });
    expect(await (await fetch(`${serve.url}/readyz`)).json()).toEqual({ status: 'ok', database: 'reachable', accepting: true });
    const down = await startServe(options({ pingDatabase: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }), { port: 0, host: '127.0.0.1' });
    others.push(down);
    const h = await fetch(`${down.url}/healthz`);
    expect(h.status).toBe(503);
    expect(await h.json()).toEqual({ status: 'unavailable', database: 'unreachable: connect ECONNREFUSED 127.0.0.1:1' });
    expect((await fetch(`${down.url}/readyz`)).status).toBe(503);
  });

  it('/metrics scrapes cleanly with a strict text-format parser: webhook counters, the queue, process metrics; no secret, no session id', async () => {
    const m = new ServeMetrics();
    const s = await startServe(options({ metrics: m }), { port: 0, host: '127.0.0.1' });
    others.push(s);
    const base = `${s.url}/webhooks/mluvii/${TENANT}`;
    await fetch(`${base}/${SECRET}`, { method: 'POST', body: event('SessionEnded', 6001) });
    await fetch(`${base}/${SECRET}`, { method: 'POST', body: 'garbage' });
    await fetch(`${s.url}/webhooks/mluvii/intruder/${SECRET}`, { method: 'POST', body: event('SessionEnded', 6002) });
    const r = await fetch(`${s.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const families = parsePrometheusText(text);
    const value = (name: string, labels: Record<string, string>) =>
      [...families.values()].flatMap((f) => f.samples).find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    expect(value('mluvii_etl_webhook_events_accepted_total', { tenant: TENANT, event_type: 'SessionEnded' })).toBe(1);
    expect(value('mluvii_etl_webhook_events_refused_total', { tenant: TENANT, reason: 'bad_request' })).toBe(1);
    expect(value('mluvii_etl_webhook_events_refused_total', { tenant: 'unknown', reason: 'not_found' })).toBe(1);
    expect(value('mluvii_etl_webhook_events_received_total', { tenant: TENANT })).toBe(2);
    expect(value('mluvii_etl_http_requests_total', { endpoint: 'webhook', status_class: '2xx' })).toBe(1);
    expect(value('mluvii_etl_queue_jobs', { queue: QUEUES.sessionHint.name, state: 'created' })).toBeGreaterThan(0);
    expect(value('mluvii_etl_database_up', {})).toBe(1);
    expect(value('mluvii_etl_api_rate_limit_requests_per_second', { tenant: TENANT })).toBe(2000);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('mluvii_etl_http_request_duration_seconds')?.type).toBe('histogram');
    for (const [name, f] of families) {
      if (f.type === 'counter') expect({ name, total: name.endsWith('_total') }).toEqual({ name, total: true });
      for (const x of f.samples) expect(Object.keys(x.labels).filter((l) => /session|secret|path|url/i.test(l))).toEqual([]);
    }
    expect(text).not.toContain(SECRET);
    // The session ids of the calls appear in no name or label (sample values are numbers such as memory sizes, which may hold any digits).
    const names = [...families.values()].flatMap((f) => f.samples.flatMap((x) => [x.name, ...Object.values(x.labels)]));
    expect(names.filter((v) => /600[12]/.test(v))).toEqual([]);
    expect(text).not.toContain('intruder');
  });

  it('the strict parser itself refuses what a scraper refuses', () => {
    expect(() => parsePrometheusText('a_total 1\n')).toThrow(/no TYPE/);
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE a counter\na -1\n')).toThrow(/counter/);
    expect(() => parsePrometheusText('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="y"} 2\n')).toThrow(/not together/);
    expect(() => parsePrometheusText('# TYPE a gauge\na 1\na 2\n')).toThrow(/twice/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0\n')).toThrow(/cumulative/);
  });
});

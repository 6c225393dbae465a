import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Misbehaviour, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { startReceiver, type Received } from '../helpers/webhook-receiver.js';

/** The simulator's webhooks: mluvii's registry endpoints, and deliveries driven by its clock. */
const SEED = 7;
const T0 = busyHourBefore();
const HOUR = 3_600_000;
const ALL = ['SessionCreated', 'SessionEnded', 'SessionOperatorConcluded', 'SessionRecordingPostProcessingCompleted'];
const sims: RunningSimulator[] = [];

async function sim(misbehaviour?: Misbehaviour): Promise<RunningSimulator> {
  const s = await startSimulator({ now: clockAt(T0), seed: SEED, sessionsPerDay: 600, misbehaviour });
  sims.push(s);
  return s;
}

async function token(s: RunningSimulator): Promise<string> {
  const r = await fetch(`${s.url}/login/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId, client_secret: s.clientSecret }) });
  return ((await r.json()) as { access_token: string }).access_token;
}

async function api(s: RunningSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(s)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

/** Registers `url` for every simulated event type, delivers an hour, and returns what arrived. */
async function hourOfEvents(misbehaviour?: Misbehaviour, answer?: (body: string, attempt: number) => number) {
  const s = await sim(misbehaviour);
  const receiver = await startReceiver(answer);
  expect((await api(s, 'POST', '/api/v1/Webhooks', { EventTypes: ALL, CallbackUrl: `${receiver.url}/hook` })).status).toBe(200);
  s.setNow(clockAt(new Date(T0.getTime() + HOUR)));
  const report = await s.deliverWebhooksUpTo(new Date(T0.getTime() + HOUR));
  await receiver.stop();
  return { report, received: receiver.received, sim: s };
}

const events = (received: Received[]) => received.filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as { eventType: string; data: Record<string, unknown> & { id: number } });
const keyOf = (e: { eventType: string; data: Record<string, unknown> }) => `${e.eventType}:${e.data.id}:${String(e.data.userId ?? '')}:${String(e.data.time ?? '')}`;
const instantOf = (e: { eventType: string; data: Record<string, unknown> }) => Date.parse(String(e.data.ended ?? e.data.time ?? ''));

afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe('simulator webhook registry (/api/v1/Webhooks)', () => {
  let s: RunningSimulator;
  beforeAll(async () => {
    s = await sim();
  });

  it('registers a callback, answers a second POST of the same URL 409 with the existing id as an integer, edits, lists and deletes', async () => {
    const first = await api(s, 'POST', '/api/v1/Webhooks', { EventTypes: ['SessionEnded'], CallbackUrl: 'https://etl.example.com/webhooks/mluvii/default/s3cret' });
    expect(first.status).toBe(200);
    expect(typeof first.json).toBe('number');
    const again = await api(s, 'POST', '/api/v1/Webhooks', { eventTypes: ['SessionCreated'], callbackUrl: 'https://etl.example.com/webhooks/mluvii/default/s3cret' });
    expect(again).toEqual({ status: 409, json: first.json });
    expect((await api(s, 'PUT', `/api/v1/Webhooks/${String(first.json)}`, { EventTypes: ['SessionEnded', 'SessionOperatorConcluded'], CallbackUrl: 'https://etl.example.com/webhooks/mluvii/default/s3cret' })).status).toBe(200);
    expect((await api(s, 'GET', '/api/v1/Webhooks')).json).toEqual([{ id: first.json, eventTypes: ['SessionEnded', 'SessionOperatorConcluded'], callbackUrl: 'https://etl.example.com/webhooks/mluvii/default/s3cret' }]);
    expect((await api(s, 'PUT', '/api/v1/Webhooks/999', { EventTypes: ['SessionEnded'], CallbackUrl: 'https://x.example.com/' })).status).toBe(404);
    expect((await api(s, 'DELETE', `/api/v1/Webhooks/${String(first.json)}`)).status).toBe(200);
    expect((await api(s, 'GET', '/api/v1/Webhooks')).json).toEqual([]);
  });

  it('refuses a registration without event types, with an unknown type or a URL that is none (400 naming the field), and without a token', async () => {
    const bad = await api(s, 'POST', '/api/v1/Webhooks', { EventTypes: ['SessionExploded'], CallbackUrl: 'not a url' });
    expect(bad.status).toBe(400);
    expect(Object.keys((bad.json as { errors: object }).errors).sort()).toEqual(['CallbackUrl', 'EventTypes']);
    expect((await api(s, 'POST', '/api/v1/Webhooks', { CallbackUrl: 'https://x.example.com/' })).status).toBe(400);
    const anonymous = await fetch(`${s.url}/api/v1/Webhooks`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
  });
});

describe('simulator webhook delivery', () => {
  let clean: Awaited<ReturnType<typeof hourOfEvents>>;
  beforeAll(async () => {
    clean = await hourOfEvents();
  });

  it('POSTs one envelope per event, in the order they happen, with the vendor payload shapes and local offsets', async () => {
    const got = events(clean.received);
    expect(got.length).toBeGreaterThan(20);
    expect(clean.received.every((r) => r.path === '/hook')).toBe(true);
    expect(new Set(got.map((e) => e.eventType))).toEqual(new Set(ALL));
    expect(clean.report).toMatchObject({ delivered: got.length, events: got.length, failed: 0, dropped: 0, duplicated: 0, late: 0, attempts: got.length });
    for (const e of got) {
      expect(Object.keys(e).sort()).toEqual(['data', 'eventType']);
      expect(e.data).toMatchObject({ id: expect.any(Number), tenantId: 1 });
      const keys = Object.keys(e.data).sort();
      if (e.eventType === 'SessionCreated') expect(keys).toEqual(['channel', 'id', 'source', 'tenantId']);
      if (e.eventType === 'SessionEnded') expect(keys).toEqual(['channel', 'ended', 'id', 'source', 'started', 'tenantId']);
      if (e.eventType === 'SessionOperatorConcluded') expect(keys).toEqual(['channel', 'id', 'source', 'tenantId', 'time', 'userId']);
      if (e.eventType === 'SessionRecordingPostProcessingCompleted') expect(keys).toEqual(['id', 'tenantId']);
      for (const v of [e.data.ended, e.data.time]) if (v !== undefined) expect(v).toMatch(/T\d\d:\d\d:\d\d(\.\d+)?\+0[12]:00$/);
    }
    const times = got.map(instantOf).filter((t) => !Number.isNaN(t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((t) => t > T0.getTime() && t <= T0.getTime() + HOUR)).toBe(true);
  });

  it('sends what the API shows: a SessionEnded carries the detail\'s ended', async () => {
    const s = clean.sim;
    const ended = events(clean.received).find((e) => e.eventType === 'SessionEnded');
    const detail = s.sessionDetail(ended!.data.id);
    expect(Date.parse(String(detail?.session.ended))).toBe(Date.parse(String(ended!.data.ended)));
  });

  it('retries a failed delivery twice, then drops it', async () => {
    const twice = await hourOfEvents(undefined, (_body, attempt) => (attempt <= 2 ? 503 : 200));
    expect(events(twice.received).map(keyOf)).toEqual(events(clean.received).map(keyOf));
    expect(twice.report.attempts).toBe(3 * twice.report.delivered);
    const never = await hourOfEvents(undefined, () => 500);
    expect(never.report).toMatchObject({ delivered: 0, failed: clean.report.events, attempts: 3 * clean.report.events });
  });

  it('drops, duplicates and sends late as switched, the same way every time for a seed', async () => {
    const switches = { webhookDropRate: 0.2, webhookDuplicateRate: 0.2, webhookReorderRate: 0.2 };
    const a = await hourOfEvents(switches);
    const b = await hourOfEvents(switches);
    expect(events(b.received).map(keyOf)).toEqual(events(a.received).map(keyOf));
    const got = events(a.received).map(keyOf);
    const want = events(clean.received).map(keyOf);
    expect(a.report.dropped).toBeGreaterThan(0);
    expect(a.report.duplicated).toBeGreaterThan(0);
    expect(a.report.late).toBeGreaterThan(0);
    // Every event that arrived happened; the dropped ones never arrive within the hour.
    expect(got.every((k) => want.includes(k))).toBe(true);
    expect(want.filter((k) => !got.includes(k)).length).toBeGreaterThanOrEqual(a.report.dropped - a.report.late);
    expect(got.length - new Set(got).size).toBeGreaterThan(0);
    // Late events arrive after events that happened after them.
    const times = events(a.received).map(instantOf).filter((t) => !Number.isNaN(t));
    expect(times).not.toEqual([...times].sort((x, y) => x - y));
  });

  it('live: delivers on a timer as the clock moves (here ten simulated minutes a second), the same events as when driven', async () => {
    const s = await sim();
    const receiver = await startReceiver();
    await api(s, 'POST', '/api/v1/Webhooks', { EventTypes: ALL, CallbackUrl: receiver.url });
    const realStart = Date.now();
    s.setNow(() => new Date(T0.getTime() + (Date.now() - realStart) * 600));
    s.startWebhookDelivery(20);
    for (let i = 0; i < 400 && events(receiver.received).length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    await receiver.stop();
    const got = events(receiver.received).map(keyOf);
    expect(got.length).toBeGreaterThanOrEqual(5);
    expect(got).toEqual(events(clean.received).map(keyOf).slice(0, got.length));
  });

  it('sends nothing that happened before a callback was registered, and only the types it asked for', async () => {
    const s = await sim();
    const receiver = await startReceiver();
    const later = new Date(T0.getTime() + HOUR / 2);
    s.setNow(clockAt(later));
    await api(s, 'POST', '/api/v1/Webhooks', { EventTypes: ['SessionEnded'], CallbackUrl: receiver.url });
    s.setNow(clockAt(new Date(T0.getTime() + HOUR)));
    await s.deliverWebhooksUpTo(new Date(T0.getTime() + HOUR));
    await receiver.stop();
    const got = events(receiver.received);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((e) => e.eventType === 'SessionEnded' && instantOf(e) > later.getTime())).toBe(true);
    expect(got.map(keyOf)).toEqual(events(clean.received).filter((e) => e.eventType === 'SessionEnded' && instantOf(e) > later.getTime()).map(keyOf));
  });
});

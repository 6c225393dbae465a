/**
 * The client against the simulator over real HTTP on 127.0.0.1 (no mocked HTTP). Rates are judged
 * from the simulator's own log of arrivals, so the assertions do not depend on machine speed.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { MluviiApiError, MluviiClient, type MluviiClientOptions } from '../../src/mluvii/client.js';
import { payloadId } from '../../src/util/json.js';
import { generateSessions } from '../../src/simulator/generator.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';

const logger = createLogger({ level: 'silent' });
let sims: RunningSimulator[] = [];

/** Every range here is historical: the simulator's clock stands after them all. */
async function simulator(opts: Omit<SimulatorOptions, 'now'>): Promise<RunningSimulator> {
  const sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), ...opts });
  sims.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

function clientFor(sim: RunningSimulator, over: Partial<MluviiClientOptions> = {}): MluviiClient {
  return new MluviiClient({
    baseUrl: sim.url,
    tokenUrl: `${sim.url}/login/connect/token`,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rps: 50,
    concurrency: 4,
    pageSize: 50,
    logger,
    retryBaseMs: 50,
    retryMaxMs: 1000,
    ...over,
  });
}

/** What the pipeline does: list a window, fetch each good session's routing history, set malformed items aside. */
async function extract(client: MluviiClient, from: Date, to: Date) {
  const good: Array<{ id: number; payload: unknown; routingHistory?: unknown }> = [];
  const malformed: unknown[] = [];
  let batch: Array<Promise<void>> = [];
  for await (const { payload } of client.listSessions({ from, to })) {
    const id = payloadId(payload);
    const created = id === undefined ? undefined : (payload as { created?: unknown }).created;
    if (id === undefined || typeof created !== 'string' || Number.isNaN(Date.parse(created))) {
      malformed.push(payload);
      continue;
    }
    const entry: (typeof good)[number] = { id, payload };
    good.push(entry);
    batch.push(client.getRoutingHistory(id).then((h) => void (entry.routingHistory = h)));
    if (batch.length >= 16) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  batch = [];
  return { good, malformed };
}

/** The most arrivals in any one-second window [t, t + 1000). */
function maxPerSecond(arrivals: number[]): number {
  const a = [...arrivals].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    while (a[j] <= a[i] - 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const statusCount = (sim: RunningSimulator, status: string) =>
  Object.values(sim.stats().byEndpoint).reduce((n, byStatus) => n + (byStatus[status] ?? 0), 0);

describe('MluviiClient against a misbehaving simulator', () => {
  it('with every misbehaviour on, lists a multi-day range: each session exactly once, with its routing history, malformed items kept', async () => {
    const from = new Date('2026-03-02T00:00:00Z');
    const to = new Date('2026-03-05T00:00:00Z');
    const sim = await simulator({
      seed: 4,
      sessionsPerDay: 40,
      // throttle: the first calls are answered 429 whatever the machine's speed (a slow machine may never reach 30 rps).
      misbehaviour: { rateLimitRps: 30, throttle: { retryAfter: '1', times: 3 }, errorRate: 0.1, slowRate: 0.05, slowMs: 200, pageSizeCap: 7, malformedRate: 0.05 },
    });
    const client = clientFor(sim, { rps: 40, concurrency: 4, pageSize: 50, maxAttempts: 8 });
    const { good, malformed } = await extract(client, from, to);

    const expected = generateSessions({ seed: 4, sessionsPerDay: 40, from, to });
    expect(good.map((g) => g.id)).toEqual(expected.map((x) => x.session.id));
    expect(new Set(good.map((g) => g.id)).size).toBe(good.length);
    expect(good.map((g) => g.id)).toEqual(sim.expectedSessionIds(from, to));
    expect(malformed.length).toBe(sim.expectedMalformedCount(from, to));
    expect(malformed.length).toBeGreaterThan(0);
    expected.forEach((x, i) => {
      expect(good[i].payload).toEqual(JSON.parse(JSON.stringify(x.session)));
      expect(good[i].routingHistory).toEqual(JSON.parse(JSON.stringify(x.routingHistory)));
    });

    // Every misbehaviour really happened (the rate itself is checked on the limiter's clock below:
    // arrivals timed by the wall clock bunch up on a busy machine whatever the client does).
    expect(statusCount(sim, '429')).toBeGreaterThan(0);
    expect(statusCount(sim, '500') + statusCount(sim, '502') + statusCount(sim, '503')).toBeGreaterThan(0);
    expect(statusCount(sim, 'reset')).toBeGreaterThan(0);
    expect(client.requestCount).toBeGreaterThan(good.length);
  });

  it('never starts more than MLUVII_RPS requests in any one second of its clock: every request reaches the simulator through the limiter', async () => {
    // The limiter's clock only moves when the test moves it, so the check does not depend on how
    // fast the machine is: each request the simulator sees is stamped with the limiter's instant
    // at which it was let go (every released request is awaited before time moves on).
    const sim = await simulator({ seed: 4, sessionsPerDay: 100 });
    const clock = new FakeClock();
    const client = clientFor(sim, { rps: 20, concurrency: 8, limiterClock: clock });
    const ids = sim.expectedSessionIds(new Date('2026-03-03T00:00:00Z'), new Date('2026-03-04T00:00:00Z')).slice(0, 60);
    expect(ids).toHaveLength(60);
    await client.listUsers(); // the token, so the burst below is API requests only
    sim.resetStats();
    const before = client.requestCount;
    const all = Promise.all(ids.map((id) => client.getSession(id)));
    const startedAt: number[] = [];
    while (startedAt.length < ids.length) {
      while (sim.stats().arrivals.length < client.requestCount - before) await new Promise((r) => setTimeout(r, 1));
      while (startedAt.length < sim.stats().arrivals.length) startedAt.push(clock.now());
      await clock.run(clock.now() + 5);
    }
    expect((await all).every((s) => s !== undefined)).toBe(true);
    expect(sim.stats().arrivals).toHaveLength(60);
    expect(maxPerSecond(startedAt)).toBeLessThanOrEqual(20);
    // 60 starts at 20 per second: the last is let go no sooner than two seconds after the first.
    expect(startedAt[59] - startedAt[0]).toBeGreaterThanOrEqual(2000);
    expect(client.requestCount - before).toBe(60);
  });

  it('retries honour Retry-After: 0 without a tight loop', async () => {
    const sim = await simulator({ seed: 4, misbehaviour: { rateLimitRps: 3 } });
    const client = clientFor(sim, { rps: 100, concurrency: 4 });
    await Promise.all([501, 502, 503, 504, 505, 501].map((id) => client.getCampaign(id)));
    // Unguarded, 100 rps against a limit of 3 would draw hundreds of 429s in these two seconds.
    expect(statusCount(sim, '429')).toBeLessThan(30);
  });
});

describe('MluviiClient auth', () => {
  it('survives tokens expiring mid-range (renewing before expiry, and once on a 401)', async () => {
    const from = new Date('2026-03-03T00:00:00Z');
    const to = new Date('2026-03-05T00:00:00Z');
    const sim = await simulator({ seed: 8, sessionsPerDay: 60, tokenLifetimeSec: 2 });
    const client = clientFor(sim, { rps: 40 });
    const expire = setTimeout(() => sim.expireTokens(), 1200);
    try {
      const { good } = await extract(client, from, to);
      expect(good.map((g) => g.id)).toEqual(sim.expectedSessionIds(from, to));
      expect(good.every((g) => Array.isArray(g.routingHistory))).toBe(true);
    } finally {
      clearTimeout(expire);
    }
    const stats = sim.stats();
    expect(stats.byEndpoint.token['200']).toBeGreaterThanOrEqual(2);
    expect(statusCount(sim, '401')).toBeGreaterThan(0);
  });

  it('a redirect to the login page also renews the token once (and is never followed)', async () => {
    const sim = await simulator({ seed: 8, rejectedTokenStatus: 302 });
    const client = clientFor(sim);
    await client.listUsers();
    sim.expireTokens();
    expect((await client.listUsers()).length).toBeGreaterThan(0);
    expect(sim.stats().byEndpoint.users).toEqual({ '200': 2, '302': 1 });
    expect(sim.stats().byEndpoint.login).toBeUndefined();
    expect(sim.stats().byEndpoint.token).toEqual({ '200': 2 });
  });

  it('a 401 even with a fresh token is an auth error saying the credentials were refused', async () => {
    const sim = await simulator({ seed: 8, tokenLifetimeSec: 0 });
    const client = clientFor(sim);
    const err = (await client.getSession(5).catch((e: unknown) => e)) as MluviiApiError;
    expect(err).toMatchObject({ kind: 'auth', status: 401, attempts: 2, endpoint: 'GET /api/v1/Sessions/5' });
    expect(err.message).toMatch(/refused the API credentials.*freshly issued token/);
  });

  it('wrong credentials fail fast, once, with a message that names the problem and not the secret', async () => {
    const sim = await simulator({ seed: 8 });
    const client = clientFor(sim, { clientSecret: 'definitely-wrong-secret' });
    const started = Date.now();
    const results = await Promise.allSettled([
      (async () => {
        for await (const item of client.listSessions({ from: new Date('2026-03-03T00:00:00Z'), to: new Date('2026-03-04T00:00:00Z') })) void item;
      })(),
      client.getRoutingHistory(1),
      client.getSession(2),
      client.listUsers(),
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as MluviiApiError;
      expect(err).toBeInstanceOf(MluviiApiError);
      expect(err.kind).toBe('auth');
      expect(err.message).toMatch(/refused the API credentials/);
      expect(err.message).toMatch(/MLUVII_CLIENT_SECRET/);
      expect(err.message).not.toContain('definitely-wrong-secret');
    }
    // One token request for everything (shared renewal, refusal remembered), no API request at all.
    expect(sim.stats().byEndpoint.token).toEqual({ '400': 1 });
    expect(sim.stats().arrivals).toHaveLength(0);
    await expect(client.getSession(3)).rejects.toMatchObject({ kind: 'auth' });
    expect(sim.stats().byEndpoint.token).toEqual({ '400': 1 });
  });
});

describe('MluviiClient endpoints and errors', () => {
  it('a page-size cap lower than limit loses nothing', async () => {
    const from = new Date('2026-03-03T00:00:00Z');
    const to = new Date('2026-03-04T00:00:00Z');
    const sim = await simulator({ seed: 12, sessionsPerDay: 200, misbehaviour: { pageSizeCap: 7 } });
    const client = clientFor(sim, { rps: 200, pageSize: 50 });
    const ids: number[] = [];
    for await (const { payload } of client.listSessions({ from, to })) ids.push(payloadId(payload) as number);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids).toEqual(sim.expectedSessionIds(from, to));
    // The pages, the empty page that ends them, and the one request past the window's session bound.
    expect(sim.stats().byEndpoint.sessions['200']).toBe(Math.ceil(ids.length / 7) + 1 + 1);
  });

  it('404s: a session → undefined, a routing history → undefined (unavailable, not "no routing"), a campaign → undefined; users and campaigns otherwise', async () => {
    const sim = await simulator({ seed: 12 });
    const client = clientFor(sim);
    expect(await client.getSession(123)).toBeUndefined();
    expect(await client.getRoutingHistory(123)).toBeUndefined();
    expect(await client.getCampaign(506)).toBeUndefined();
    expect(await client.getCampaign(502)).toMatchObject({ id: 502, mode: 'Predictive' });
    const users = await client.listUsers();
    expect(users.length).toBeGreaterThan(20);
    expect(users[0]).toHaveProperty('username');
  });

  it('gives up after maxAttempts with an error that names the endpoint, the status and the attempts', async () => {
    const sim = await simulator({ seed: 12 });
    const client = clientFor(sim, { maxAttempts: 4, retryBaseMs: 10 });
    await client.listUsers();
    sim.setMisbehaviour({ errorRate: 1 });
    const err = (await client.getSession(4242).catch((e: unknown) => e)) as MluviiApiError;
    expect(err).toBeInstanceOf(MluviiApiError);
    expect(err.attempts).toBe(4);
    expect(err.endpoint).toBe('GET /api/v1/Sessions/4242');
    expect(['http', 'network']).toContain(err.kind);
    expect(err.message).toContain('GET /api/v1/Sessions/4242');
    expect(err.message).toMatch(/after 4 attempts/);
    if (err.kind === 'http') expect(err.message).toMatch(/HTTP 50[023]/);
    expect(err.message).not.toContain(sim.clientSecret);
    expect(err.message).not.toMatch(/bearer\s+\S{10,}/i);
  });

  it('retries timeouts, and reports them as such when they persist', async () => {
    const sim = await simulator({ seed: 12, misbehaviour: { slowRate: 0.3, slowMs: 400 } });
    const ids = sim.expectedSessionIds(new Date('2026-03-03T08:00:00Z'), new Date('2026-03-03T12:00:00Z')).slice(0, 8);
    const client = clientFor(sim, { requestTimeoutMs: 150, maxAttempts: 10, retryBaseMs: 10 });
    const sessions = await Promise.all(ids.map((id) => client.getSession(id)));
    expect(sessions.map((s) => payloadId(s))).toEqual(ids);
    sim.setMisbehaviour({ slowRate: 1, slowMs: 400 });
    const err = (await client.getSession(ids[0]).catch((e: unknown) => e)) as MluviiApiError;
    expect(err).toMatchObject({ kind: 'timeout', attempts: 10 });
    expect(err.message).toMatch(/no answer within MLUVII_REQUEST_TIMEOUT/);
    expect(err.outage).toBe('certain');
  });
});

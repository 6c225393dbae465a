/**
 * One request budget per tenant, in the warehouse, shared by every process calling its API: several
 * clients (each one process's) against the simulator over real HTTP, with the simulator's own rate
 * limit as the judge. Rates are judged from the simulator's log of arrivals and from the budget's
 * own clock, never from how fast this machine runs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from '../../src/db/knex.js';
import { tenantKnex } from '../../src/db/tenant-knex.js';
import { RateBudgetStore } from '../../src/load/rate-budget.js';
import { createLogger } from '../../src/log.js';
import { MluviiClient } from '../../src/mluvii/client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import type { Misbehaviour } from '../../src/simulator/misbehaviour.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const logger = createLogger({ level: 'silent' });
let db: TestDatabase;
const pools: Knex[] = [];
let sims: RunningSimulator[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await db.knex.raw(`INSERT INTO etl.tenants (name, source) VALUES ('acme', 'registry'), ('globex', 'registry')`);
});

afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
  await db.knex.raw('TRUNCATE etl.rate_budget');
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await db.drop();
});

/** A process's pool of one tenant (every process opens its own). */
function pool(tenant: string): Knex {
  const k = tenantKnex(db.url, tenant, { max: 2 });
  pools.push(k);
  return k;
}

async function simulator(misbehaviour: Misbehaviour): Promise<RunningSimulator> {
  const sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 5, sessionsPerDay: 10, misbehaviour });
  sims.push(sim);
  return sim;
}

/** One process's client of the tenant behind `sim`, drawing from `tenant`'s budget (none: pacing alone). */
function client(sim: RunningSimulator, rps: number | 'auto', tenant?: string): MluviiClient {
  const c = new MluviiClient({
    baseUrl: sim.url,
    tokenUrl: `${sim.url}/login/connect/token`,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rps,
    rpsMax: 40,
    concurrency: 4,
    pageSize: 50,
    logger,
    retryBaseMs: 50,
    retryMaxMs: 1000,
  });
  if (tenant) c.shareRateBudget(new RateBudgetStore(pool(tenant)));
  return c;
}

/** `n` requests through `c` at once (404s: the simulator answers them as fast as any other). */
const requests = (c: MluviiClient, n: number, from: number) => Promise.all(Array.from({ length: n }, (_, i) => c.getRoutingHistory(900_000 + from + i)));

const limited = (sim: RunningSimulator) => Object.values(sim.stats().byEndpoint).reduce((n, byStatus) => n + (byStatus['429'] ?? 0), 0);

/** The most arrivals within any rolling second the simulator saw. */
function busiestSecond(sim: RunningSimulator): number {
  const a = sim.stats().arrivals.sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    while (a[i] - a[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('shared request budget', () => {
  it('keeps three processes of one tenant together under its limit, where each pacing alone at that limit is refused', async () => {
    const R = 8;
    const alone = await simulator({ rateLimitRps: R });
    const lone = [client(alone, R), client(alone, R), client(alone, R)];
    await Promise.all(lone.map((c, i) => requests(c, 6, i * 100)));
    // The control: three processes each at R send about 3R, and the server refuses some.
    expect(limited(alone)).toBeGreaterThan(0);

    const shared = await simulator({ rateLimitRps: R });
    const three = [client(shared, R, 'acme'), client(shared, R, 'acme'), client(shared, R, 'acme')];
    await Promise.all(three.map((c, i) => requests(c, 12, i * 100)));
    expect(limited(shared)).toBe(0);
    expect(busiestSecond(shared)).toBeLessThanOrEqual(R);
    expect(sum(three.map((c) => c.requestCount))).toBe(36);
    // All three drew from it: the requests were handed out by the one row of the tenant.
    expect((await db.knex.raw(`SELECT tenant, rate FROM etl.rate_budget`)).rows).toEqual([{ tenant: 'acme', rate: R }]);
  }, 60_000);

  it('holds every process of the tenant for a Retry-After that one of them was answered', async () => {
    const sim = await simulator({ throttle: { retryAfter: '2', times: 1 } });
    const first = client(sim, 50, 'acme');
    const second = client(sim, 50, 'acme');
    const done = first.getRoutingHistory(900_001);
    // The 429 reached the budget: the tenant is paused about 2 s past its own clock's now.
    const paused = await waitFor(async () => (await db.knex.raw(`SELECT (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS ms FROM etl.rate_budget WHERE paused_until IS NOT NULL`)).rows[0]?.ms as number | undefined);
    expect(paused).toBeGreaterThan(1000);
    const throttledAt = sim.stats().arrivals[0];
    await second.getRoutingHistory(900_002);
    await done;
    const arrivals = sim.stats().arrivals.sort((x, y) => x - y);
    expect(arrivals).toHaveLength(3);
    // The other process sent nothing before the pause ended, though it was never answered 429 itself.
    expect(arrivals[1] - throttledAt).toBeGreaterThanOrEqual(1950);
    expect(second.rateLimitedCount).toBe(0);
  }, 30_000);

  it('keeps two tenants apart: one tenant using its budget, paused or delayed does not slow the other', async () => {
    const acme = new RateBudgetStore(pool('acme'));
    const globex = new RateBudgetStore(pool('globex'));
    const taken = await acme.claim({ count: 20, rate: 10, guardMs: 0, claimer: 'test' });
    expect(taken.firstStartMs - taken.nowMs).toBeLessThan(50);
    const behind = await acme.claim({ count: 1, rate: 10, guardMs: 0, claimer: 'test' });
    // Two seconds of acme's starts are handed out: its next waits for them.
    expect(behind.firstStartMs - behind.nowMs).toBeGreaterThan(1800);
    await acme.pause(60_000);
    const other = await globex.claim({ count: 1, rate: 10, guardMs: 0, claimer: 'test' });
    expect(other.firstStartMs - other.nowMs).toBeLessThan(50);
    expect(other.pausedUntilMs).toBe(-Infinity);
    const paused = await acme.claim({ count: 1, rate: 10, guardMs: 0, claimer: 'test' });
    expect(paused.firstStartMs - paused.nowMs).toBeGreaterThan(59_000);
    // A request of globex's that left late moves globex's later starts on, not acme's.
    const before = await globex.claim({ count: 1, rate: 10, guardMs: 0, claimer: 'test' });
    await globex.delay(700);
    const after = await globex.claim({ count: 1, rate: 10, guardMs: 0, claimer: 'test' });
    expect(after.firstStartMs - before.firstStartMs).toBeGreaterThanOrEqual(800 - 1e-6);
    expect(after.firstStartMs - after.nowMs).toBeGreaterThan(500);
  });

  it('spaces the starts of every claim by the rate and the guard, whoever claims', async () => {
    const a = new RateBudgetStore(pool('acme'));
    const b = new RateBudgetStore(pool('acme'));
    const claims = [];
    for (let i = 0; i < 6; i++) claims.push(await (i % 2 ? b : a).claim({ count: 3, rate: 20, guardMs: 10, claimer: i % 2 ? 'b' : 'a' }));
    const starts = claims.flatMap((c) => Array.from({ length: c.count }, (_, k) => c.firstStartMs + k * c.spacingMs));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(50.5 - 1e-6);
    expect(claims[0].spacingMs).toBeCloseTo(50.5, 6);
  });

  it('paces alone, at its own rate, while the budget cannot be used (here: a tenant the warehouse does not know)', async () => {
    const sim = await simulator({ rateLimitRps: 10 });
    const c = client(sim, 10, 'nobody');
    await requests(c, 12, 0);
    expect(c.requestCount).toBe(12);
    expect(limited(sim)).toBe(0);
    expect(busiestSecond(sim)).toBeLessThanOrEqual(10);
    expect((await db.knex.raw(`SELECT count(*)::int AS n FROM etl.rate_budget`)).rows[0].n).toBe(0);
  }, 30_000);

  it('with MLUVII_RPS=auto learns one rate per tenant: a cut one process made is the rate of the others', async () => {
    const sim = await simulator({ throttle: { retryAfter: '0', times: 1 } });
    const first = client(sim, 'auto', 'acme');
    const second = client(sim, 'auto', 'acme');
    await requests(second, 3, 0);
    await requests(first, 3, 10);
    expect(first.rateLimitedCount + second.rateLimitedCount).toBe(1);
    const row = await waitFor(async () => (await db.knex.raw(`SELECT rate, w_max, cuts FROM etl.rate_budget WHERE cuts > 0`)).rows[0] as { rate: number; w_max: number; cuts: number } | undefined);
    expect(row.cuts).toBe(1);
    // Both follow the same cut: the same plateau found, whichever of them was answered 429.
    await requests(first, 2, 20);
    await requests(second, 2, 30);
    expect(first.settledRps).toBe(Number(row.w_max.toFixed(2)));
    expect(second.settledRps).toBe(Number(row.w_max.toFixed(2)));
  }, 30_000);
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * "Load these session ids" (a session hint, an incomplete session fetched again): the details of a
 * batch come from ONE list request filtered by SessionId instead of one request each; the list is
 * not trusted. Real HTTP against the simulator, a real warehouse.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { tenantKnex } from '../../src/db/tenant-knex.js';
import { createLogger } from '../../src/log.js';
import { CampaignModeCache } from '../../src/pipeline/campaign-mode-cache.js';
import { clientFromConfig } from '../../src/pipeline/client-from-config.js';
import { loadSessionIds, type LoadIdsContext } from '../../src/pipeline/load-session-ids.js';
import { isThinListItem } from '../../src/pipeline/session-details.js';
import type { Knex } from '../../src/db/knex.js';
import { startSimulator, type Misbehaviour, type RunningSimulator } from '../../src/simulator/server.js';
import { tenantOf } from '../../src/tenants/tenant.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
const T = busyHourBefore();
let sim: RunningSimulator;
let db: TestDatabase;
let knex: Knex;
/** Sessions created in the 4 hours before T and ended by then: what a batch of SessionEnded hints names. */
let ended: number[];
/** 200 of them: a batch of the nightly re-fetch of incomplete sessions (MLUVII_PAGE_SIZE). */
let many: number[];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(T), seed: 47, sessionsPerDay: 1500 });
  db = await freshDatabase();
  ended = sim
    .expectedSessionIds(new Date(T.getTime() - 4 * HOUR), T)
    .filter((id) => sim.sessionDetail(id)?.session.ended);
  many = ended.slice(0, 200);
  ended = ended.slice(0, 40);
  knex = tenantKnex(db.url, tenantOf(testConfig(pipelineEnv(db, sim))));
});

afterAll(async () => {
  await knex.destroy();
  await sim.stop();
  await db.drop();
});

beforeEach(async () => {
  await knex.raw('TRUNCATE raw.sessions, core.sessions CASCADE');
  sim.setMisbehaviour({});
  sim.resetStats();
});

/** A fresh client (it remembers a filter the API refused) and the warnings it logged. */
function context(extraEnv: Record<string, string> = {}): { ctx: LoadIdsContext; warnings: string[] } {
  const config = testConfig(pipelineEnv(db, sim, { MLUVII_RPS: '1000', ...extraEnv }));
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level === 40) warnings.push(entry.msg);
      }
      done();
    },
  });
  const logger = createLogger({ level: 'warn', pretty: false, destination });
  const client = clientFromConfig(config, logger);
  return { ctx: { tenant: tenantOf(config), knex, client: () => client, campaigns: CampaignModeCache.fresh(logger), runId: null, logger, attempt: 0 }, warnings };
}

const asked = () => {
  const e = sim.stats().byEndpoint;
  return { lists: e.sessions?.['200'] ?? 0, refused: (e.sessions?.['400'] ?? 0) + (e.sessions?.['403'] ?? 0), details: e.session?.['200'] ?? 0, notFound: e.session?.['404'] ?? 0, routings: e.routingHistory?.['200'] ?? 0 };
};

describe('loading sessions by id', () => {
  it('takes the details of a batch from one list request, and each routing history once', async () => {
    expect(ended.length).toBe(40);
    const { ctx } = context();
    const r = await loadSessionIds(ctx, ended);
    expect(r.loaded.sort()).toEqual([...ended].sort());
    expect(asked()).toEqual({ lists: 1, refused: 0, details: 0, notFound: 0, routings: 40 });
    expect(await differences(knex, expectedFacts(sim, ended))).toEqual([]);
    // Loaded again after they ended (their operators concluded, recordings processed): one list request for all.
    sim.resetStats();
    await loadSessionIds(ctx, ended, { reuseFinalRouting: true });
    expect(asked()).toEqual({ lists: 1, refused: 0, details: 0, notFound: 0, routings: 0 });
    expect(sim.requestsForSessions(ended)).toBeCloseTo(1, 6);
  });

  it('fetches the detail of a session the list shows thin, and of one it does not show (a 404 there: unknown)', async () => {
    sim.setMisbehaviour({ thinListRate: 0.3 });
    const { ctx } = context();
    const listed = await ctx.client().listSessionsByIds(ended);
    const thin = [...(listed?.values() ?? [])].filter((item) => isThinListItem(item.payload)).length;
    expect(thin).toBeGreaterThan(0);
    sim.resetStats();
    const unknown = 9_000_000_000_001;
    const r = await loadSessionIds(ctx, [...ended, unknown]);
    expect(r.missing).toEqual([unknown]);
    // The first page left an id unlisted, so the next page was asked for too (empty: the end).
    expect(asked()).toEqual({ lists: 2, refused: 0, details: thin, notFound: 1, routings: 40 });
    expect(await differences(knex, expectedFacts(sim, ended))).toEqual([]);
  });

  it('pages through a list whose pages are capped below the limit', async () => {
    sim.setMisbehaviour({ pageSizeCap: 7 });
    const { ctx } = context();
    await loadSessionIds(ctx, ended);
    expect(asked()).toEqual({ lists: Math.ceil(40 / 7), refused: 0, details: 0, notFound: 0, routings: 40 });
    expect(await differences(knex, expectedFacts(sim, ended))).toEqual([]);
  });

  it('asks for a long batch in several list requests, each query short enough for a server that refuses long ones (IIS: 2,048)', async () => {
    expect(many.length).toBe(200);
    sim.setMisbehaviour({ maxQueryChars: 2048 });
    const { ctx, warnings } = context();
    await loadSessionIds(ctx, many);
    const perQuery = Math.floor(1800 / `SessionId=${Math.max(...many)}&`.length);
    const { lists, details, notFound, refused } = asked();
    expect({ details, notFound, refused }).toEqual({ details: 0, notFound: 0, refused: 0 });
    expect(lists).toBeGreaterThanOrEqual(Math.ceil(200 / Math.floor(1800 / `SessionId=${Math.min(...many)}&`.length)));
    expect(lists).toBeLessThanOrEqual(Math.ceil(200 / perQuery));
    expect(lists).toBeGreaterThan(1);
    expect(warnings).toEqual([]);
    expect(await differences(knex, expectedFacts(sim, many))).toEqual([]);
  });

  it.each<[string, Misbehaviour['sessionIdFilter'], { lists: number; refused: number }]>([
    ['refuses it (400)', 400, { lists: 0, refused: 1 }],
    ['forbids it (403)', 403, { lists: 0, refused: 1 }],
    ['ignores it (lists other sessions)', 'ignored', { lists: 1, refused: 0 }],
  ])('fetches each detail when the API %s, says so once, and does not ask again', async (_what, answer, first) => {
    sim.setMisbehaviour({ sessionIdFilter: answer });
    const { ctx, warnings } = context();
    const half = ended.slice(0, 20);
    await loadSessionIds(ctx, half);
    expect(asked()).toEqual({ ...first, details: 20, notFound: 0, routings: 20 });
    sim.resetStats();
    await loadSessionIds(ctx, ended.slice(20));
    expect(asked()).toEqual({ lists: 0, refused: 0, details: 20, notFound: 0, routings: 20 });
    expect(warnings.filter((w) => /SessionId/.test(w))).toHaveLength(1);
    expect(await differences(knex, expectedFacts(sim, ended))).toEqual([]);
  });

  it('keeps the stored copy of a session the list shows too large to hold, without asking for its detail', async () => {
    const { ctx } = context();
    await loadSessionIds(ctx, ended);
    const before = (await knex.raw('SELECT session_id, facts_hash FROM core.sessions ORDER BY 1')).rows;
    sim.setMisbehaviour({ oversizedRate: 0.25, oversizedBytes: 300_000 });
    sim.resetStats();
    const { ctx: bounded, warnings } = context({ MLUVII_MAX_ITEM_BYTES: '200000' });
    const r = await loadSessionIds(bounded, ended, { reuseFinalRouting: true });
    expect(r.missing.length).toBeGreaterThan(0);
    expect(r.loaded.length + r.missing.length).toBe(40);
    expect(asked()).toEqual({ lists: 1, refused: 0, details: 0, notFound: 0, routings: 0 });
    expect(warnings.filter((w) => /too large/.test(w))).toHaveLength(r.missing.length);
    expect((await knex.raw('SELECT session_id, facts_hash FROM core.sessions ORDER BY 1')).rows).toEqual(before);
  });
});

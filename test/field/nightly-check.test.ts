/**
 * Issue "field-ready", the independent check: the nightly path — `run` three times while sessions
 * complete — against an API that misbehaves in every way a real tenant does at once (5xx, resets,
 * 429s, slow answers, malformed and duplicated items, thin list items, NULs and lone surrogates,
 * routing 404s, implausible values, /Users failing, campaigns unreadable until the last night).
 * Every run exits 0, and the warehouse ends with every session and operator row exactly the
 * transform of the simulator's final payloads.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Misbehaviour } from '../../src/simulator/misbehaviour.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';

const HOUR = 3_600_000;
const HOSTILE: Misbehaviour = {
  rateLimitRps: 300,
  errorRate: 0.03,
  slowRate: 0.02,
  slowMs: 300,
  pageSizeCap: 40,
  malformedRate: 0.01,
  badTextRate: 0.1,
  thinListRate: 0.3,
  routingNotFoundRate: 0.05,
  implausibleRate: 0.05,
  duplicateRate: 0.05,
  usersAnswer: 503,
};

let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;
// Every night is `run --until rangeEnd`, a weekday's busy hour (whatever the pinned now), so the
// sessions of the last minutes before it are still running at night 1.
const rangeEnd = busyHourBefore();
const start = new Date(rangeEnd.getTime() - 24 * HOUR);


beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ seed: 11, sessionsPerDay: 400, now: clockAt(rangeEnd), misbehaviour: { ...HOSTILE, campaignAnswers: { 502: 503, 503: 'not-a-campaign' } } });
  env = pipelineEnv(db, sim, {
    ETL_START: start.toISOString(),
    ETL_WINDOW: '6h',
    LOG_LEVEL: 'warn',
    MLUVII_RPS: '250',
    MLUVII_CONCURRENCY: '8',
    MLUVII_PAGE_SIZE: '100',
  });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('the nightly path against a misbehaving API', () => {
  it('three runs while sessions complete: every run exits 0, every session and operator row exact', async () => {
    // Night 1: the API's clock just past the settle line — the last sessions are still running.
    sim.setNow(clockAt(new Date(rangeEnd.getTime() + 60_000)));
    const nights = [];
    nights.push(await cli(['run', '--until', rangeEnd.toISOString()], env));
    expect({ code: nights[0].code, err: nights[0].code === 0 ? '' : nights[0].err }).toEqual({ code: 0, err: '' });
    const incompleteAfterFirst = await db.knex('core.sessions').where({ is_complete: false }).count({ n: '*' });
    expect(Number(incompleteAfterFirst[0].n)).toBeGreaterThan(0);
    // Night 2: a few hours later, some of them have completed.
    sim.setNow(clockAt(new Date(rangeEnd.getTime() + 2 * HOUR)));
    nights.push(await cli(['run', '--until', rangeEnd.toISOString()], env));
    // Night 3: days later, everything has completed, and the campaigns can be read again.
    sim.setNow(clockAt(new Date(rangeEnd.getTime() + 3 * 24 * HOUR)));
    sim.setMisbehaviour(HOSTILE);
    nights.push(await cli(['run', '--until', rangeEnd.toISOString()], env));
    expect(nights.map((n) => ({ code: n.code, err: n.code === 0 ? '' : n.err }))).toEqual(nights.map(() => ({ code: 0, err: '' })));

    const end = (await db.knex('etl.windows').where({ status: 'done' }).max({ end: 'window_end' }))[0].end as Date;
    const ids = sim.expectedSessionIds(start, end);
    expect(ids.length).toBeGreaterThan(150);
    expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);
    const runs = await db.knex('etl.runs').orderBy('run_id').select('status');
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The hostile parts did happen.
    const flags = (await db.knex.raw(`SELECT DISTINCT unnest(quality_flags) AS f FROM core.sessions`)).rows.map((r: { f: string }) => r.f);
    expect(flags).toEqual(expect.arrayContaining(['text_sanitized', 'routing_unavailable']));
    expect(Number((await db.knex('etl.rejects').count({ n: '*' }))[0].n)).toBeGreaterThan(0);
    expect(sim.stats().byEndpoint.session?.['200']).toBeGreaterThan(0);
  }, 600_000);
});

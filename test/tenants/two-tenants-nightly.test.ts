/**
 * Issue "Several tenants, many workers": the nightly path of two tenants whose session ids
 * collide. Both nightly runs go at once; sessions still running at night 1 are fetched again
 * from each tenant's own API by night 2 (incomplete re-fetch is per tenant) and both tenants end
 * exact. Tenant acme's API answers some routing histories 404, so the two tenants' facts differ.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
// Each night runs `--until` a weekday's busy hour (whatever the pinned now): sessions of its last
// minutes are still running at night 1.
const rangeEnd = busyHourBefore();
const start = new Date(rangeEnd.getTime() - 12 * HOUR);
let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase();
  const night1 = clockAt(new Date(rangeEnd.getTime() + 60_000));
  simA = await startSimulator({ now: night1, seed: 41, sessionsPerDay: 300 });
  simB = await startSimulator({ now: night1, seed: 41, sessionsPerDay: 300, clientSecret: 'acme-nightly', misbehaviour: { routingNotFoundRate: 0.3 } });
  env = pipelineEnv(db, simA, { ETL_START: start.toISOString(), ETL_WINDOW: '6h', REPORT_TZ: 'Europe/Prague' });
  dir = mkdtempSync(join(tmpdir(), 'mluvii-nightly-tenants-'));
  writeFileSync(join(dir, 'secret'), simB.clientSecret);
  const add = { args: ['add', 'acme'], baseUrl: simB.url, clientId: simB.clientId, secretFrom: `file:${join(dir, 'secret')}`, reportTz: 'Europe/London', rps: '2000' };
  expect((await runCommand(tenantsCommand, testConfig(env), add)).code).toBe(0);
});
afterAll(async () => {
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const incomplete = async (tenant: string) => Number((await db.knex('core.sessions').where({ tenant, is_complete: false }).count({ n: '*' }))[0].n);

/**
 * Both tenants' nightly runs at once, `--until` the range's end, with the APIs' clocks at `now`;
 * the commands' clock is past the range's settled line, so they load up to its end.
 */
async function night(apiNow: Date): Promise<number[]> {
  for (const sim of [simA, simB]) sim.setNow(clockAt(apiNow));
  const now = new Date(Math.max(apiNow.getTime(), rangeEnd.getTime() + HOUR));
  const runs = await Promise.all([
    runCommand(nightlyRun, testConfig(env), { until: rangeEnd.toISOString() }, now),
    runCommand(nightlyRun, testConfig(env), { until: rangeEnd.toISOString(), tenant: 'acme' }, now),
  ]);
  return runs.map((r) => r.code);
}

describe('two tenants with colliding ids, night after night', () => {
  it('each tenant fetches again its own incomplete sessions, from its own API, and both end exact', async () => {
    expect(await night(new Date(rangeEnd.getTime() + 60_000))).toEqual([0, 0]);
    expect(await incomplete('default')).toBeGreaterThan(0);
    expect(await incomplete('acme')).toBeGreaterThan(0);

    // Days later everything has ended; both nights refetch their own incomplete sessions.
    simA.resetStats();
    simB.resetStats();
    expect(await night(new Date(rangeEnd.getTime() + 72 * HOUR))).toEqual([0, 0]);
    expect([await incomplete('default'), await incomplete('acme')]).toEqual([0, 0]);
    // Each from its own API (the list again where they are dense, else by id).
    expect(simA.stats().total).toBeGreaterThan(0);
    expect(simB.stats().total).toBeGreaterThan(0);

    const end = (await db.knex('etl.windows').where({ tenant: 'default', status: 'done' }).max({ end: 'window_end' }))[0].end as Date;
    const ids = simA.expectedSessionIds(start, end);
    expect(simB.expectedSessionIds(start, end)).toEqual(ids);
    expect(ids.length).toBeGreaterThan(50);
    expect(await differences(db.knex, expectedFacts(simA, ids), 'default')).toEqual([]);
    expect(await differences(db.knex, expectedFacts(simB, ids), 'acme')).toEqual([]);
    const runs = await db.knex('etl.runs').select('tenant', 'kind', 'status').orderBy(['tenant', 'run_id']);
    expect(runs.map((r) => `${r.tenant} ${r.kind} ${r.status}`)).toEqual(['acme run succeeded', 'acme run succeeded', 'default run succeeded', 'default run succeeded']);
  }, 240_000);
});

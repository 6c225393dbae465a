import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createKnex } from '../../src/db/knex.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

/** The day the API checks list. */
const DAY = '2026-11-25';
let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;
// Roles are cluster-wide and other test files run at the same time: names of our own.
const suffix = randomBytes(4).toString('hex');
const reader = `mluvii_doc_reader_${suffix}`;
const etlUser = `mluvii_doc_etl_${suffix}`;

beforeAll(async () => {
  db = await freshDatabase();
  // A Wednesday, with well over one capped page (50); weekends get 0.3 of the traffic.
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 1, sessionsPerDay: 500 });
  env = pipelineEnv(db, sim, { REPORT_TZ: 'Europe/Prague', MLUVII_RPS: '50', REPORTING_ROLE: reader });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  const admin = createKnex(serverUrl(), { max: 1 });
  try {
    await admin.raw(`DROP ROLE IF EXISTS ${etlUser}`);
  } finally {
    await admin.destroy();
  }
});

/** The doctor's lines by check name. */
function lines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of stdout.split('\n')) {
    const m = /^(ok|warn|FAIL)\s+(\S+(?: \S+)?)\s{2,}/.exec(l);
    if (m) out[m[2].trim()] = l;
  }
  return out;
}

const apiRequests = () =>
  Object.entries(sim.stats().byEndpoint)
    .filter(([e]) => e !== 'token' && e !== 'login')
    .reduce((a, [, byStatus]) => a + Object.values(byStatus).reduce((x, y) => x + y, 0), 0);

describe('doctor', () => {
  it('against a well-behaved simulator: every API check ok, read-only, a few dozen requests; a missing reader role is a warning', async () => {
    sim.resetStats();
    const count = () => db.knex.raw(`SELECT (SELECT count(*) FROM etl.runs) AS runs, (SELECT count(*) FROM core.sessions) AS sessions, (SELECT count(*) FROM etl.windows) AS windows`);
    const before = (await count()).rows;
    const r = await runCli(['doctor', '--day', DAY], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const l = lines(r.stdout);
    for (const name of ['token', 'list', 'limit', 'order', 'detail', 'routing', 'users', 'clock', 'rate limit', 'session ids', 'database', 'migrated', 'privileges']) {
      expect(l[name]).toMatch(/^ok /);
    }
    expect(l.token).toMatch(/expires_in 3600 s/);
    expect(l.list).toMatch(/ 2026-11-25: \d+ sessions/);
    expect(l['reader role']).toMatch(new RegExp(`^warn .*${reader} does not exist`));
    expect(r.stdout).toMatch(/\d+ ok, \d+ warning\(s\), 0 failure\(s\)/);
    expect(apiRequests()).toBeLessThanOrEqual(44);
    expect((await count()).rows).toEqual(before); // read-only
  }, 120_000);

  // Two doctor runs: with the simulator's rate limit on as well, a campaign's three attempts may
  // all meet a 429 on a slow machine, and its line then says 429 instead of the 503 under test.
  it('each simulator switch shows its warning: thin list items, Users 403, campaign 503, routing 404, unstable order, page cap', async () => {
    sim.setMisbehaviour({
      thinListRate: 1,
      usersAnswer: 403,
      campaignAnswers: { 501: 503, 502: 503, 503: 503, 504: 503, 505: 503 },
      routingNotFoundRate: 1,
      unstableOrder: true,
      pageSizeCap: 50,
    });
    sim.resetStats();
    try {
      const r = await runCli(['doctor', '--day', DAY], env);
      expect(r.code).toBe(0); // warnings only
      const l = lines(r.stdout);
      expect(l.detail).toMatch(/^warn .*list items lack .*activities, operators/);
      expect(l.users).toMatch(/^warn .*\/Users answered HTTP 403 — operator names will come from the session payloads/);
      expect(l.campaigns).toMatch(/^warn .*unreadable: .*50\d: HTTP 503/);
      expect(l.routing).toMatch(/^warn .*3 of 3 sessions answered 404 .*routing_unavailable/);
      expect(l.order).toMatch(/^warn .*two reads of the first page gave (different ids|the same ids in a different order)/);
      expect(l.limit).toMatch(/^warn .*caps pages at 50 items/);
      expect(apiRequests()).toBeLessThanOrEqual(44);
    } finally {
      sim.setMisbehaviour({});
    }
  }, 180_000);

  it.each([
    [400, /^warn .*answered HTTP 400 for the SessionId filter — session hints .* one detail request per session/],
    [403, /^warn .*answered HTTP 403 for the SessionId filter — session hints/],
    ['ignored', /^warn .*asked for session \d+ by the SessionId filter, the list answered session\(s\) \d+, \d+: the API ignores the filter — session hints/],
  ] as const)('a SessionId filter the API answers with %s: a warning naming the cost, and exit 0', async (answer, line) => {
    sim.setMisbehaviour({ sessionIdFilter: answer });
    try {
      const r = await runCli(['doctor', '--day', DAY], env);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)['session ids']).toMatch(line);
    } finally {
      sim.setMisbehaviour({});
    }
  }, 120_000);

  it('the simulator\'s rate limit shows its warning: 429s, with the rate-limit headers; the budget counts every attempt', async () => {
    sim.setMisbehaviour({ rateLimitRps: 3 });
    sim.resetStats();
    try {
      const r = await runCli(['doctor', '--day', DAY], env);
      expect(r.code).toBe(0); // warnings only
      const l = lines(r.stdout);
      expect(l['rate limit']).toMatch(/^warn .*\d+ of \d+ requests answered 429; rate-limit headers: retry-after/);
      // The burst measures the limit and says what to set (MLUVII_RPS=50 here asks for too much).
      // The burst gets what the budget has left: on a slow machine the checks before it retry more 429s.
      const burst = /^warn +measured +a burst of (\d+) requests: 3 admitted, (\d+) answered 429 — the limit is about 3 requests\/s — set MLUVII_RPS=3 \(MLUVII_RPS=50 now\)$/.exec(l.measured);
      expect(burst).not.toBeNull();
      const [sent, refused] = [Number(burst![1]), Number(burst![2])];
      expect(sent).toBeGreaterThanOrEqual(8);
      expect(refused).toBe(sent - 3);
      expect(apiRequests()).toBeLessThanOrEqual(44); // the budget counts every attempt, 429s included
    } finally {
      sim.setMisbehaviour({});
    }
  }, 180_000);

  it('a limit far above MLUVII_RPS: doctor says how much faster a night would load', async () => {
    sim.setMisbehaviour({ rateLimitRps: 100 });
    try {
      const r = await runCli(['doctor', '--day', DAY], { ...env, MLUVII_RPS: '5' });
      expect(lines(r.stdout).measured).toMatch(
        /^warn +measured +a burst of 12 requests within [\d.]+ s: all admitted — the limit is at least 12 requests\/s, and MLUVII_RPS=5 uses 5 — set MLUVII_RPS=auto \(it finds the limit; status shows it\) or MLUVII_RPS=12: a night loads up to 2\.4× faster$/,
      );
      const fine = await runCli(['doctor', '--day', DAY], { ...env, MLUVII_RPS: 'auto' });
      expect(lines(fine.stdout).measured).toMatch(/^ok +measured +a burst of 12 requests .*all admitted — the limit is at least 12 requests\/s; MLUVII_RPS=auto$/);
    } finally {
      sim.setMisbehaviour({});
    }
  }, 180_000);

  it('refused credentials and an unmigrated database whose user may not create schemas or roles: FAIL, exit 1', async () => {
    const bare = await freshDatabase({ migrate: false });
    try {
      await bare.knex.raw(`CREATE ROLE ${etlUser} LOGIN PASSWORD 'pw-${suffix}' NOCREATEROLE`);
      await bare.knex.raw(`REVOKE CREATE ON DATABASE ${new URL(bare.url).pathname.slice(1)} FROM PUBLIC`);
      const u = new URL(bare.url);
      u.username = etlUser;
      u.password = `pw-${suffix}`;
      const r = await runCli(['doctor', '--day', DAY], { ...env, DATABASE_URL: u.toString(), MLUVII_CLIENT_SECRET: 'wrong' });
      expect(r.code).toBe(1);
      const l = lines(r.stdout);
      expect(l.token).toMatch(/^FAIL .*answered HTTP (400|401)( \(\w+\))? — check MLUVII_CLIENT_ID and MLUVII_CLIENT_SECRET/);
      expect(l.migrated).toMatch(/^warn .*no mluvii-etl tables yet/);
      expect(l.privileges).toMatch(new RegExp(`^FAIL .*${etlUser}: CREATEROLE no, CREATE on the database no`));
      expect(r.stdout).not.toContain(`pw-${suffix}`);
      const down = await runCli(['doctor', '--day', DAY], { ...env, DATABASE_URL: 'postgres://x:secret-pw@127.0.0.1:1/none' });
      expect(lines(down.stdout).database).toMatch(/^FAIL .*cannot use DATABASE_URL=postgres:\/\/x:\*\*\*@127\.0\.0\.1:1\/none: connection refused/);
      expect(down.stdout).not.toContain('secret-pw');
      expect(down.code).toBe(1);
      // a password with an unencoded '@' is hidden whole, not only up to its first '@'
      const at = await runCli(['doctor'], { ...env, DATABASE_URL: 'postgres://x:Pa@Secret-pw9@127.0.0.1:1/none' });
      expect(lines(at.stdout).database).toMatch(/^FAIL .*cannot use DATABASE_URL=postgres:\/\/x:\*\*\*@127\.0\.0\.1:1\/none: connection refused/);
      expect(at.stdout + at.stderr).not.toMatch(/Secret-pw9|Pa@/);
    } finally {
      await bare.drop();
    }
  }, 120_000);
});

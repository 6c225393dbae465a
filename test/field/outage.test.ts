/**
 * Issue "field-ready", "when the API is down, say so once and stop" and "connections and
 * secrets", through the real CLI against the simulator over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createKnex } from '../../src/db/knex.js';
import type { Misbehaviour } from '../../src/simulator/misbehaviour.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { cli, logLines } from '../helpers/cli.js';
import { freshDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const FROM = new Date('2026-06-01T00:00:00Z');
const DAYS = 6;
const range = ['--from', FROM.toISOString(), '--to', new Date(FROM.getTime() + DAYS * 86_400_000).toISOString()];

let db: TestDatabase | undefined;
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  await db?.drop();
  sim = undefined;
  db = undefined;
});

async function setUp(misbehaviour: Misbehaviour, extra: Record<string, string> = {}) {
  db = await freshDatabase();
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 9, sessionsPerDay: 60, misbehaviour });
  const env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC', LOG_LEVEL: 'info', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '16', ...extra });
  return { sim, db, env };
}

async function lastRun(d: TestDatabase) {
  return d.knex('etl.runs').orderBy('run_id', 'desc').first();
}

describe('the API is down: say so once and stop', () => {
  it('429 with Retry-After 3600 fails at once with "the server asked to wait 3600 s" and stops the run', async () => {
    const { db } = await setUp({ throttle: { retryAfter: '3600' } });
    const r = await cli(['backfill', ...range], pipelineEnv(db, sim as RunningSimulator, { REPORT_TZ: 'UTC', MLUVII_RPS: '2000' }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the server asked to wait 3600 s, longer than MLUVII_RETRY_AFTER_MAX \(600 s\)/);
    expect(r.ms).toBeLessThan(60_000); // no waiting, no window after window
    const failedWindows = await db.knex('etl.windows').where({ status: 'failed' }).count({ n: '*' });
    expect(Number(failedWindows[0].n)).toBeLessThanOrEqual(1);
    expect((await lastRun(db)).error).toMatch(/asked to wait 3600 s/);
  }, 120_000);

  it('a Retry-After is honoured in full (nothing is sent before it has passed) and the wait is logged at info with its reason', async () => {
    const { sim, env } = await setUp({ throttle: { retryAfter: '6', times: 1 } });
    const r = await cli(['backfill', '--from', range[1], '--to', new Date(FROM.getTime() + 86_400_000).toISOString()], env);
    expect(r.code).toBe(0);
    const arrivals = sim.stats().arrivals;
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(6000);
    const waits = logLines(r.err).filter((l) => /^waiting \d+ s before retrying/.test(String(l.msg)));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0].level).toBe(30);
    expect(String(waits[0].msg)).toMatch(/HTTP 429 with Retry-After 6 s/);
  }, 120_000);

  it('a token endpoint that hangs times out, and the run stops instead of failing every window the same way', async () => {
    const { db, env } = await setUp({ tokenHangs: true }, { MLUVII_REQUEST_TIMEOUT: '1s' });
    const r = await cli(['backfill', ...range], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the token endpoint is unavailable: POST \/login\/connect\/token did not answer in time \(MLUVII_REQUEST_TIMEOUT\), 2 attempts/);
    expect(r.ms).toBeLessThan(60_000);
    const windows = await db.knex('etl.windows').count({ n: '*' });
    expect(Number(windows[0].n)).toBeLessThanOrEqual(1);
    expect((await lastRun(db)).status).toBe('failed');
  }, 120_000);

  it('after a window fails on list 5xx twice in a row the run stops; the message is recorded once', async () => {
    const { db, env } = await setUp({ brokenRange: { from: FROM, to: new Date(FROM.getTime() + DAYS * 86_400_000) } }, { MLUVII_REQUEST_TIMEOUT: '2s' });
    const r = await cli(['backfill', ...range], env);
    expect(r.code).toBe(1);
    const windows = await db.knex('etl.windows').where({ status: 'failed' }).count({ n: '*' });
    expect(Number(windows[0].n)).toBe(2);
    expect((await lastRun(db)).error).toMatch(/stopped: the mluvii API is unavailable \(two windows in a row failed on it\), so the 4 remaining window\(s\) were not attempted/);
  }, 180_000);

  it('a 200 HTML page is called what it is, not a redirect to the login page', async () => {
    const { db, env } = await setUp({ htmlPage: true });
    const r = await cli(['backfill', ...range], env);
    expect(r.code).toBe(1);
    const error = (await lastRun(db)).error as string;
    expect(error).toMatch(/answered HTTP 200 with an HTML page \("Maintenance"\) instead of JSON/);
    expect(error).not.toMatch(/redirect/);
    const windows = await db.knex('etl.windows').count({ n: '*' });
    expect(Number(windows[0].n)).toBeLessThanOrEqual(1);
  }, 120_000);
});

describe('secrets', () => {
  it('a 400 body that echoes the bearer token: no token, client secret or database password in stderr, logs or stored errors', async () => {
    // A login role of its own whose password is the one to hide, owning a fresh database: this
    // works whether the server checks passwords or trusts local connections.
    db = await freshDatabase({ migrate: false });
    const owner = `mluvii_secrets_${randomBytes(4).toString('hex')}`;
    await db.knex.raw(`CREATE ROLE ${owner} LOGIN PASSWORD 'db-pass-Zr7'`);
    try {
      await db.knex.raw(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} OWNER TO ${owner}`);
      sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 9, sessionsPerDay: 60, clientSecret: 'sim-secret-Xq9', misbehaviour: { echoTokenOn400: true } });
      const url = new URL(db.url);
      url.username = owner;
      url.password = 'db-pass-Zr7';
      const env = pipelineEnv({ url: url.toString() }, sim, { REPORT_TZ: 'UTC', LOG_LEVEL: 'debug', MLUVII_RPS: '2000' });
      const r = await cli(['backfill', ...range], env);
      expect({ code: r.code, err: r.code === 1 ? '' : r.err }).toEqual({ code: 1, err: '' });
      const tokens = sim.issuedTokens();
      expect(tokens.length).toBeGreaterThan(0);
      const stored = [
        ...(await db.knex('etl.runs').select('error')).map((x) => String(x.error)),
        ...(await db.knex('etl.windows').select('error')).map((x) => String(x.error)),
      ].join('\n');
      expect(stored).toMatch(/HTTP 400/);
      for (const text of [r.out, r.err, stored]) {
        for (const t of tokens) expect(text).not.toContain(t);
        expect(text).not.toContain('sim-secret-Xq9');
        expect(text).not.toContain('db-pass-Zr7');
      }
    } finally {
      await db.drop();
      db = undefined;
      const admin = createKnex(serverUrl(), { max: 1 });
      await admin.raw(`DROP ROLE IF EXISTS ${owner}`).finally(() => admin.destroy());
    }
  }, 120_000);
});

/**
 * The intraday path end to end: the simulator's webhooks → `serve` (real HTTP) → the
 * `session-hint` queue → a `mluvii-etl worker` (child process) → the warehouse. A hinted session
 * is loaded as a window would load it, no checkpoint moves, a later event loads it again, and a
 * hint for a session the API does not know ends in a clear outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { startIntraday, type Intraday } from '../helpers/intraday.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { jobsOf, startWorker, waitFor, type RunningProcess } from '../helpers/workers.js';

const SECRET = 'hint-test-secret-0123456789abcdef';
const MINUTE = 60_000;
const T0 = busyHourBefore();
const T1 = new Date(T0.getTime() + 20 * MINUTE);
const T2 = new Date(T1.getTime() + 40 * MINUTE);
let sim: RunningSimulator;
let db: TestDatabase;
let windowDb: TestDatabase;
let intraday: Intraday;
let worker: RunningProcess;
let env: Record<string, string>;

type Hint = { id: string; state: string; singleton_key: string | null; output: unknown; data: unknown };
const hints = (): Promise<Hint[]> => jobsOf(db.knex, QUEUES.sessionHint.name);
const hintedIds = async () => [...new Set((await hints()).map((j) => (j.data as { sessionId: number }).sessionId))].sort((a, b) => a - b);

/** Waits until every hint queued so far is settled (completed or failed for good). */
async function hintsSettled(): Promise<Hint[]> {
  return waitFor('every session hint settled', async () => {
    const all = await hints();
    return all.length > 0 && all.every((j) => j.state === 'completed' || j.state === 'failed') ? all : undefined;
  });
}

/** Moves the simulator's clock to `at` and delivers every webhook due until then. */
async function moveTo(at: Date) {
  sim.setNow(clockAt(at));
  return sim.deliverWebhooksUpTo(at);
}

const durations = async (knex: TestDatabase['knex'], ids: number[]) =>
  (await knex.raw(`SELECT * FROM reporting.session_durations WHERE session_id = ANY(?) ORDER BY session_id`, [ids])).rows as Array<Record<string, unknown>>;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(T0), seed: 31, sessionsPerDay: 900 });
  db = await freshDatabase();
  windowDb = await freshDatabase();
  env = pipelineEnv(db, sim, { MLUVII_WEBHOOK_SECRET: SECRET, MLUVII_WEBHOOK_DEBOUNCE: '1s', MLUVII_RPS: '1000', ETL_SETTLE: '1m' });
  intraday = await startIntraday(db, sim, { secret: SECRET, debounceMs: 1000 });
  worker = await startWorker(env, 1);
});

afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await intraday?.stop();
  await sim?.stop();
  await db?.drop();
  await windowDb?.drop();
});

describe('session hints: webhook → serve → worker → warehouse', () => {
  it('loads each hinted session with the facts a window load gives, and moves no checkpoint', async () => {
    const report = await moveTo(T1);
    expect(report.delivered).toBeGreaterThan(5);
    const settled = await hintsSettled();
    expect(settled.filter((j) => j.state !== 'completed')).toEqual([]);
    const ids = await hintedIds();
    expect(settled.map((j) => j.output)).toEqual(expect.arrayContaining([{ sessionId: ids[0], outcome: 'loaded' }]));
    // The facts of what the API says of each session now, and no other session.
    expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);
    expect((await durations(db.knex, ids)).map((r) => Number(r.session_id))).toEqual(ids);
    // No window is done or failed: the nightly run still lists every window.
    expect((await db.knex.raw('SELECT count(*)::int AS n FROM etl.windows')).rows[0].n).toBe(0);
    // Today's figures, as of the simulator's clock: the day's summaries were refreshed by the hints' loads.
    const figures = await db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL mluvii.as_of = '${T1.toISOString()}'`);
      const t = (await trx.raw(`SELECT day::text AS day, sessions, windows_loaded_through, hints_loaded_through FROM reporting.today_kpis WHERE tenant = 'default'`)).rows[0];
      const d = (await trx.raw(`SELECT coalesce(sum(sessions), 0)::int AS n FROM reporting.daily_kpis WHERE tenant = 'default' AND day = ?::date`, [t.day])).rows[0];
      const c = (await trx.raw(`SELECT count(*)::int AS n FROM core.sessions WHERE (created_at AT TIME ZONE 'Europe/Prague')::date = ?::date`, [t.day])).rows[0];
      return { today: t, daily: d.n, core: c.n };
    });
    expect(figures.today.sessions).toBeGreaterThan(0);
    expect([figures.today.sessions, figures.daily]).toEqual([figures.core, figures.core]);
    expect(figures.today.windows_loaded_through).toBeNull();
    expect(figures.today.hints_loaded_through).not.toBeNull();
    // A window load of the same sessions, at the same instant, into another warehouse: the same rows.
    const windowEnv = pipelineEnv(windowDb, sim, { ETL_SETTLE: '1m', MLUVII_RPS: '1000' });
    const from = new Date(T0.getTime() - 4 * 60 * MINUTE).toISOString();
    expect((await runCommand(backfillCommand, testConfig(windowEnv), { from, to: new Date(T1.getTime() - 2 * MINUTE).toISOString() }, T1)).code).toBe(0);
    const byWindow = await durations(windowDb.knex, ids);
    expect(byWindow.length).toBeGreaterThan(ids.length / 2);
    const same = byWindow.map((r) => Number(r.session_id));
    expect(await durations(db.knex, same)).toEqual(byWindow);
  });

  it('loads a session again when its later events arrive (an operator concluded, recordings processed)', async () => {
    const before = new Map<number, string>((await db.knex.raw('SELECT session_id, facts_hash FROM core.sessions')).rows.map((r: { session_id: string; facts_hash: string }) => [Number(r.session_id), r.facts_hash]));
    const endedBefore = Number((await db.knex.raw('SELECT count(*)::int AS n FROM core.sessions WHERE ended_at IS NOT NULL')).rows[0].n);
    const hintsBefore = (await hints()).filter((j) => j.state === 'completed' && (j.output as { outcome?: string } | null)?.outcome === 'loaded').length;
    sim.resetStats();
    await moveTo(T2);
    await hintsSettled();
    // A batch's details come from one list request filtered by SessionId, and a session loaded
    // again after it ended has its routing history final and stored: only the sessions new since
    // T1 (or still running then) cost a routing request each.
    const requests = sim.stats().byEndpoint;
    const details = requests.session?.['200'] ?? 0;
    const routings = requests.routingHistory?.['200'] ?? 0;
    const lists = requests.sessions?.['200'] ?? 0;
    const reloadedAfterEnd = (await db.knex.raw('SELECT session_id FROM core.sessions WHERE session_id = ANY(?) AND ended_at IS NOT NULL', [[...before.keys()]])).rows.length;
    const loadedNow = (await hints()).filter((j) => j.state === 'completed' && (j.output as { outcome?: string } | null)?.outcome === 'loaded').length - hintsBefore;
    expect(endedBefore).toBeGreaterThan(0);
    expect(reloadedAfterEnd).toBeGreaterThan(0);
    expect(details).toBe(0);
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThan(loadedNow);
    expect(routings).toBeLessThan(loadedNow);
    const ids = await hintedIds();
    expect(await differences(db.knex, expectedFacts(sim, ids))).toEqual([]);
    const after = (await db.knex.raw('SELECT session_id, facts_hash, is_complete FROM core.sessions')).rows as Array<{ session_id: string; facts_hash: string; is_complete: boolean }>;
    // Some sessions loaded at T1 were loaded again with new facts (e.g. incomplete then, complete now).
    expect(after.filter((r) => before.has(Number(r.session_id)) && before.get(Number(r.session_id)) !== r.facts_hash).length).toBeGreaterThan(0);
    expect((await db.knex.raw('SELECT count(*)::int AS n FROM etl.windows')).rows[0].n).toBe(0);
  });

  it('completes a hint for a session the API does not know, saying so, and goes on working', async () => {
    const post = (id: number) =>
      fetch(intraday.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ eventType: 'SessionEnded', data: { id, tenantId: 1, channel: 'Chat', source: 'Web', ended: T2.toISOString() } }) });
    expect((await post(987_654_321)).status).toBe(200);
    const job = await waitFor('the unknown session\'s hint', async () => (await hints()).find((j) => j.singleton_key === 'default:987654321' && j.state !== 'created' && j.state !== 'active'));
    expect(job.state).toBe('completed');
    expect(job.output).toEqual({ sessionId: 987_654_321, outcome: 'unknown', note: 'session 987654321 is unknown to the mluvii API (404) or too large to hold: nothing loaded' });
    expect((await db.knex.raw('SELECT count(*)::int AS n FROM core.sessions WHERE session_id = 987654321')).rows[0].n).toBe(0);
    expect(worker.child.exitCode).toBeNull();
  });
});

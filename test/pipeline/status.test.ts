import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import type { StatusReport } from '../../src/pipeline/status-report.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

// Days in Prague: 1–4 June loaded by one backfill whose 2 June cannot be listed, 10–11 June by another.
const BROKEN = { from: new Date('2026-06-01T22:00:00Z'), to: new Date('2026-06-02T22:00:00Z') };
let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 5, sessionsPerDay: 40, misbehaviour: { brokenRange: BROKEN, malformedRate: 0.05 } });
  env = pipelineEnv(db, sim, { REPORT_TZ: 'Europe/Prague', MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '16' });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const json = async (): Promise<StatusReport> => {
  const r = await runCli(['status', '--json'], env);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as StatusReport;
};

describe('status: what on-call sees', () => {
  it('after a backfill with a failed window: a summary line on stdout (not a terminal), coverage with the gap, the failed window with its full reason', async () => {
    const b = await runCli(['backfill', '--from', '2026-06-01', '--to', '2026-06-04'], env);
    expect(b.code).toBe(1);
    expect(b.stdout.trim().split('\n')).toHaveLength(1);
    expect(b.stdout).toMatch(/^backfill failed in [\d.]+ s \(run 1\): windows 2 loaded, 0 already done, 1 failed; sessions \d+ \(\d+ changed\), \d+ rejected; API requests \d+ \(0 answered 429, \d+ retried\)/);
    const b2 = await runCli(['backfill', '--from', '2026-06-10', '--to', '2026-06-12'], env);
    expect(b2.code).toBe(0);
    expect(b2.stdout).toMatch(/^backfill succeeded in/);

    const r = await runCli(['status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2026-06-01 → 2026-06-02  (1 day)');
    expect(r.stdout).toContain('2026-06-03 → 2026-06-04  (1 day)');
    expect(r.stdout).toContain('2026-06-10 → 2026-06-12  (2 days)');
    expect(r.stdout).toContain('npx mluvii-etl backfill --from 2026-06-02 --to 2026-06-03');
    expect(r.stdout).toContain('npx mluvii-etl backfill --from 2026-06-04 --to 2026-06-10');
    // The whole reason, not cut to a table column.
    const failed = await db.knex('etl.windows').where({ status: 'failed' }).first();
    expect(failed.error.length).toBeGreaterThan(80);
    expect(r.stdout).toContain(failed.error);
    expect(r.stdout).toMatch(/Next `run` starts at 2026-06-02 \(the earliest failed window\)/);
    expect(r.stdout).toMatch(/Rejected payloads \(etl.rejects\), by reason:/);
    expect(r.stdout).toMatch(/Operator names: from \/Users \(\d+ users\)/);

    const s = await json();
    expect(s.coverage.map((c) => [c.from, c.to])).toEqual([['2026-06-01', '2026-06-02'], ['2026-06-03', '2026-06-04'], ['2026-06-10', '2026-06-12']]);
    expect(s.gaps.map((c) => [c.from, c.to])).toEqual([['2026-06-02', '2026-06-03'], ['2026-06-04', '2026-06-10']]);
    expect(s.failedWindows).toHaveLength(1);
    expect(s.failedWindows[0]).toMatchObject({ from: '2026-06-02', to: '2026-06-03', reason: failed.error });
    expect(s.lastRuns.backfill).toMatchObject({ runId: 2, status: 'succeeded', windowsDone: 2, apiRateLimited: 0 });
    expect(s.lastRuns.backfill?.apiRequests).toBeGreaterThan(0);
    expect(s.rejectsByReason.reduce((a, x) => a + x.count, 0)).toBe(Number((await db.knex('etl.rejects').count({ n: '*' }))[0].n));
    expect(s.nextRun.fromInstant).toBe(BROKEN.from.toISOString());
  }, 240_000);

  it('status --check: exit 1 and one line naming the failed window', async () => {
    const r = await runCli(['status', '--check'], env);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^FAIL: 1 failed window\(s\), the first \[2026-06-02, 2026-06-03\) Europe\/Prague: .*503/);
  });

  it('the next run starts where status said (the one rule), loads the failed window, and --check is OK; a run 40 h old is stale', async () => {
    const said = (await json()).nextRun.fromInstant;
    sim.setMisbehaviour({});
    // The run would otherwise load up to today; --until keeps it short (sessions of June only).
    const run = await runCli(['run', '--until', '2026-06-13'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^run succeeded in [\d.]+ s \(run 3\): windows \d+ loaded, \d+ already done, 0 failed/);
    const first = await db.knex('etl.windows').where({ run_id: 3 }).orderBy('window_start').first();
    expect(first.window_start.toISOString()).toBe(said);

    const ok = await runCli(['status', '--check'], env);
    expect(ok.stdout).toMatch(/^OK: /);
    expect(ok.code).toBe(0);
    const s = await json();
    expect(s.failedWindows).toEqual([]);
    expect(s.lastRuns.run).toMatchObject({ runId: 3, status: 'succeeded', operatorNames: expect.stringMatching(/^\/Users/) });

    await db.knex.raw(`UPDATE etl.runs SET started_at = started_at - interval '40 hours', finished_at = finished_at - interval '40 hours'`);
    const stale = await runCli(['status', '--check'], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^FAIL: no run or backfill has succeeded for 40 h/);
  }, 240_000);

  it('status --check says when the last run failed (a run whose API user is refused)', async () => {
    const r = await runCli(['run'], { ...env, MLUVII_CLIENT_SECRET: 'wrong' });
    expect(r.code).toBe(2); // a setting to fix: a Kubernetes Job must not retry it for ever
    const check = await runCli(['status', '--check'], env);
    expect(check.code).toBe(1);
    // The window's line carries the reason; the run's own error would repeat it.
    expect(check.stdout).toMatch(/^FAIL: the last run \(run 4, started .*\) failed; 1 failed window\(s\), .*refused the API credentials/);
    expect(check.stdout.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});

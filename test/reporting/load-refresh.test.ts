/**
 * A real load (backfill from the simulator, one window per day) refreshes every summary in its
 * own transaction: afterwards daily, weekly, monthly and interval KPIs and operator_daily are
 * exactly what a rebuild from core gives (docs/metrics.md K-rules; "Interval KPIs"). The windows cross
 * a month end (31 October → 1 November 2026) and a week start (Monday 2 November), so a week and a
 * month are assembled from several loads.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const FROM = '2026-10-29T23:00:00Z'; // 30 October, 00:00 CET
const TO = '2026-11-03T23:00:00Z'; //   4 November, 00:00 CET

let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 16, sessionsPerDay: 120 });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const VIEWS: Record<string, string> = {
  daily_kpis: 'day, department_id, channel',
  weekly_kpis: 'week_start, department_id, channel',
  monthly_kpis: 'month_start, department_id, channel',
  interval_kpis: 'interval_start, department_id, channel',
  operator_daily: 'day, user_id',
};

async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [view, order] of Object.entries(VIEWS)) {
    out[view] = (await db.knex.raw(`SELECT * FROM reporting.${view} ORDER BY ${order}`)).rows;
  }
  return out;
}

describe('summaries after real loads', () => {
  it('equal a rebuild from core, for every KPI view, with SHORT_ABANDON_SECONDS from the configuration', async () => {
    const config = testConfig({ ...pipelineEnv(db, sim), SHORT_ABANDON_SECONDS: '7', ETL_WINDOW: '1d' });
    const r = await runCommand(backfillCommand, config, { from: FROM, to: TO });
    expect(r.code).toBe(0);
    expect((await db.knex.raw('SELECT short_abandon_seconds FROM etl.settings')).rows).toEqual([{ short_abandon_seconds: 7 }]);

    const loaded = await snapshot();
    for (const [view, rows] of Object.entries(loaded)) expect([view, rows.length > 0]).toEqual([view, true]);
    expect(loaded.weekly_kpis.map((w) => (w as { week_start: Date }).week_start.getDay())).not.toContain(0); // Mondays only (local)

    await db.knex.raw('SELECT core.rebuild_reporting_summaries()');
    expect(await snapshot()).toEqual(loaded);

    const { rows } = await db.knex.raw(`
      SELECT (SELECT sum(offered) FROM reporting.interval_kpis)::int AS by_interval,
             (SELECT count(*) FROM reporting.session_durations WHERE is_offered AND queue_entered_at IS NOT NULL)::int AS offered`);
    expect(rows[0].by_interval).toBe(rows[0].offered);
    expect(rows[0].offered).toBeGreaterThan(300);
  });
});

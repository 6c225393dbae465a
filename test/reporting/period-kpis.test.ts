/**
 * What a BI tool does by default gives the right answer (issue #16), read as the reader role on
 * seven generated weeks that cross two month ends and both DST changes' neighbourhood:
 * weekly_kpis and monthly_kpis equal the ratio of sums of the daily rows, with percentiles of
 * their own; every ratio is rounded to 4 decimals, every duration to 3, percentiles are numeric;
 * quality flags and skipped states filter with plain = / IN / LIKE (docs/metrics.md K-rules).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from '../../src/db/knex.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { sessionRow, type SessionSpec } from './core-rows.js';
import { readerConnection, type ReaderConnection } from './reader.js';

/** mulberry32: the same corpus on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ms3 = (x: number) => Math.round(x * 1000) / 1000;
const FLAGS = ['negative_waiting', 'bad_length', 'unknown_campaign_mode'];

function corpus(): Array<Record<string, unknown>> {
  const rnd = random(16);
  const from = Date.parse('2026-09-24T00:00:00Z');
  const to = Date.parse('2026-11-12T00:00:00Z');
  const rows: Array<Record<string, unknown>> = [];
  for (let id = 1; id <= 2500; id++) {
    const created = from + Math.floor(rnd() * (to - from));
    const offered = rnd() < 0.9;
    const answered = offered && rnd() < 0.75;
    const complete = rnd() < 0.97;
    const queued = created + Math.floor(rnd() * 3000);
    const answer = answered ? ms3(rnd() * 60) : null;
    const spec: SessionSpec = {
      id,
      created: new Date(created).toISOString(),
      dept: 1 + Math.floor(rnd() * 3),
      channel: ['Chat', 'Chat', 'Phone', 'AV'][Math.floor(rnd() * 4)],
      offered,
      accepted: answered,
      complete,
      queued: offered ? new Date(queued).toISOString() : null,
      // abandoned guests leave after 0–20 s, so a fair share are short abandons
      ended: offered && !answered ? new Date(queued + Math.floor(rnd() * 20_000)).toISOString() : null,
      inQueue: offered && rnd() < 0.9 ? ms3(rnd() * 40) : null,
      waiting: answered ? ms3(rnd() * 10) : null,
      answer: answer !== null && rnd() < 0.95 ? answer : null,
      active: answered ? ms3(30 + rnd() * 600) : null,
      acw: answered && rnd() < 0.8 ? ms3(rnd() * 120) : null,
    };
    const row = sessionRow(spec);
    const flags = FLAGS.filter(() => rnd() < 0.05);
    row.quality_flags = flags;
    if (complete && spec.inQueue === null) row.skipped_states = ['IN_QUEUE', 'WAITING'];
    rows.push(row);
  }
  return rows;
}

let db: TestDatabase;
let readers: ReaderConnection;
let reader: Knex;
let sessions: Array<Record<string, unknown>>;

beforeAll(async () => {
  db = await freshDatabase();
  await syncReportingSettings(db.knex, { reportTz: 'Europe/Prague', serviceLevelSeconds: 20, shortAbandonSeconds: 5 });
  sessions = corpus();
  await db.knex.batchInsert('core.sessions', sessions, 500);
  // as loads do it: one window after another (weeks and months are refreshed with each)
  for (let day = Date.parse('2026-09-23T00:00:00Z'); day < Date.parse('2026-11-13T00:00:00Z'); day += 3 * 86_400_000) {
    await refreshReportingSummaries(db.knex, { from: new Date(day), to: new Date(day + 3 * 86_400_000) });
  }
  readers = await readerConnection(db);
  reader = readers.connect();
});
afterAll(async () => {
  await readers?.close();
  await db?.drop();
});

type Row = Record<string, number | string | null>;

const COUNTS = ['sessions', 'offered', 'answered', 'abandoned', 'short_abandoned', 'answered_within_sl',
  'service_level_denominator', 'service_level_net_denominator', 'abandon_rate_numerator', 'abandon_rate_denominator'];
const DURATIONS = ['in_queue', 'waiting', 'answer', 'active', 'acw', 'handle', 'abandon_wait'];
/** Each ratio and average: numerator and denominator columns of the same row. */
const RATIOS: Record<string, [string, string, number]> = {
  service_level: ['answered_within_sl', 'service_level_denominator', 4],
  service_level_net: ['answered_within_sl', 'service_level_net_denominator', 4],
  service_level_offered: ['answered_within_sl', 'offered', 4],
  service_level_answered: ['answered_within_sl', 'answered', 4],
  abandon_rate: ['abandon_rate_numerator', 'abandon_rate_denominator', 4],
  ...Object.fromEntries(DURATIONS.map((d) => [`avg_${d}_s`, [`sum_${d}_s`, `count_${d}_s`, 3]])),
};

/** Half away from zero, like Postgres's round(numeric). */
function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.sign(x) * Math.round(Math.abs(x) * f + 1e-9) / f;
}

async function rows(view: string, key: string): Promise<Row[]> {
  const { rows: r } = await reader.raw(`SELECT *, ${key}::text AS period FROM reporting.${view} ORDER BY ${key}, department_id, channel`);
  return r;
}

const keyOf = (period: string, r: Row) => `${period}|${r.department_id}|${r.channel}`;

function mondayOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

describe.each([
  ['weekly_kpis', 'week_start', mondayOf],
  ['monthly_kpis', 'month_start', (day: string) => `${day.slice(0, 7)}-01`],
])('reporting.%s', (view, key, periodOf) => {
  it('has, for every period × department × channel, the sums of the daily rows and their ratio of sums', async () => {
    const daily = await rows('daily_kpis', 'day');
    const expected = new Map<string, Record<string, number>>();
    for (const d of daily) {
      const k = keyOf(periodOf(d.period as string), d);
      const acc = expected.get(k) ?? {};
      for (const c of [...COUNTS, ...DURATIONS.flatMap((m) => [`count_${m}_s`, `sum_${m}_s`])]) acc[c] = (acc[c] ?? 0) + Number(d[c] ?? 0);
      expected.set(k, acc);
    }
    const periodic = await rows(view, key);
    expect(periodic.map((r) => keyOf(r.period as string, r)).sort()).toEqual([...expected.keys()].sort());
    expect(periodic.length).toBeLessThan(daily.length);
    let checked = 0;
    for (const r of periodic) {
      const e = expected.get(keyOf(r.period as string, r)) as Record<string, number>;
      for (const c of COUNTS) expect([c, r[c]]).toEqual([c, e[c]]);
      for (const m of DURATIONS) {
        expect([m, r[`count_${m}_s`]]).toEqual([m, e[`count_${m}_s`]]);
        expect([m, ms3(Number(r[`sum_${m}_s`] ?? 0))]).toEqual([m, ms3(e[`sum_${m}_s`])]);
      }
      for (const [ratio, [num, den, places]] of Object.entries(RATIOS)) {
        const want = e[den] === 0 ? null : round(e[num] / e[den], places);
        expect([ratio, r[ratio]]).toEqual([ratio, want]);
        if (want !== null) checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('computes percentiles over the period\'s own sessions, not from the days', async () => {
    const trunc = key === 'week_start' ? 'week' : 'month';
    const { rows: diff } = await reader.raw(`
      WITH own AS (
        SELECT date_trunc('${trunc}', created_day)::date AS period, department_id, channel,
               round(percentile_cont(0.9) WITHIN GROUP (ORDER BY answer_s)::numeric, 3) AS p90_answer_s,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY handle_s)::numeric, 3) AS p50_handle_s
          FROM reporting.session_durations GROUP BY 1, 2, 3)
      SELECT count(*)::int AS rows,
             count(*) FILTER (WHERE p.p90_answer_s IS DISTINCT FROM own.p90_answer_s
                                 OR p.p50_handle_s IS DISTINCT FROM own.p50_handle_s)::int AS differ
        FROM reporting.${view} p
        JOIN own ON own.period = p.${key} AND own.department_id = p.department_id AND own.channel = p.channel`);
    expect(diff[0].rows).toBeGreaterThan(0);
    expect(diff[0].differ).toBe(0);
  });
});

describe('rounding and types, as a BI tool sees them', () => {
  const RATIO_COLUMNS = ['service_level', 'service_level_net', 'service_level_offered', 'service_level_answered', 'abandon_rate'];

  it('rounds every ratio to 4 decimals and every average duration to 3 in every KPI view', async () => {
    for (const view of ['daily_kpis', 'weekly_kpis', 'monthly_kpis', 'interval_kpis']) {
      const avgs = view === 'interval_kpis' ? ['answer', 'handle', 'abandon_wait'] : DURATIONS;
      const { rows: r } = await reader.raw(
        `SELECT count(*)::int AS n, ${RATIO_COLUMNS.map((c) => `max(scale(${c})) AS ${c}_scale`).join(', ')} FROM reporting.${view}`,
      );
      const scales = r[0];
      expect(scales.n).toBeGreaterThan(10);
      for (const c of RATIO_COLUMNS) expect([view, c, scales[`${c}_scale`]]).toEqual([view, c, expect.any(Number)]);
      for (const c of RATIO_COLUMNS) expect([view, c, scales[`${c}_scale`] <= 4]).toEqual([view, c, true]);
      const { rows: a } = await reader.raw(`SELECT ${avgs.map((m) => `max(scale(avg_${m}_s)) AS ${m}`).join(', ')} FROM reporting.${view}`);
      for (const m of avgs) expect([view, m, a[0][m] !== null && a[0][m] <= 3]).toEqual([view, m, true]);
    }
  });

  it('has numeric ratios, averages and percentiles (never float with noise)', async () => {
    const { rows: cols } = await reader.raw(`
      SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'reporting' AND table_name IN ('daily_kpis', 'weekly_kpis', 'monthly_kpis', 'interval_kpis', 'operator_daily')
         AND (column_name ~ '^(p50|p90|avg|sum)_' OR column_name IN (${RATIO_COLUMNS.map((c) => `'${c}'`).join(', ')}))`);
    expect(cols.length).toBeGreaterThan(100);
    expect(cols.filter((c: Row) => c.data_type !== 'numeric')).toEqual([]);
  });

  it('gives the sessions of session_durations the day, week and month rows they count for', async () => {
    const { rows: r } = await reader.raw(`
      SELECT (SELECT sum(sessions) FROM reporting.daily_kpis)::int AS daily,
             (SELECT sum(sessions) FROM reporting.weekly_kpis)::int AS weekly,
             (SELECT sum(sessions) FROM reporting.monthly_kpis)::int AS monthly,
             (SELECT count(*) FROM reporting.session_durations)::int AS sessions`);
    expect(r[0]).toEqual({ daily: sessions.length, weekly: sessions.length, monthly: sessions.length, sessions: sessions.length });
  });
});

describe('flags and skipped states, filterable by a BI tool', () => {
  it('session_flags has one row per session and flag: =, IN and LIKE find exactly the sessions whose array holds it', async () => {
    for (const flag of FLAGS) {
      const want = sessions.filter((s) => (s.quality_flags as string[]).includes(flag)).map((s) => s.session_id).sort((a, b) => Number(a) - Number(b));
      expect(want.length).toBeGreaterThan(10);
      const eq = await reader.raw(`SELECT session_id FROM reporting.session_flags WHERE flag = ? ORDER BY 1`, [flag]);
      const inList = await reader.raw(`SELECT session_id FROM reporting.session_flags WHERE flag IN (?, 'no_such_flag') ORDER BY 1`, [flag]);
      const like = await reader.raw(`SELECT DISTINCT session_id FROM reporting.session_flags WHERE flag LIKE ? ORDER BY 1`, [`%${flag.slice(2)}`]);
      for (const got of [eq, inList, like]) expect(got.rows.map((r: Row) => r.session_id)).toEqual(want);
    }
    const { rows: days } = await reader.raw(`
      SELECT count(*)::int AS n FROM reporting.session_flags f JOIN reporting.session_durations s USING (session_id)
       WHERE f.created_day <> s.created_day`);
    expect(days).toEqual([{ n: 0 }]);
  });

  it('session_skipped_states has one row per skipped state', async () => {
    const want = sessions.filter((s) => ((s.skipped_states as string[] | null) ?? []).includes('IN_QUEUE')).length;
    expect(want).toBeGreaterThan(10);
    const { rows: r } = await reader.raw(`SELECT count(*)::int AS n FROM reporting.session_skipped_states WHERE state IN ('IN_QUEUE')`);
    expect(r).toEqual([{ n: want }]);
  });
});

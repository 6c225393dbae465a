/**
 * How fast the KPI views answer at real sizes (issues #6, #16): builds a warehouse of 1,000,000
 * sessions over a year directly in core (INSERT … SELECT generate_series), refreshes the
 * summaries, then times reporting.daily_kpis, weekly_kpis, monthly_kpis, interval_kpis and
 * operator_daily over 90 days, against the baseline of the same KPIs computed straight from core
 * (core.*_for_* functions, what a plain view would have to do), and what one load's refresh
 * costs (a day, with its ISO week, month and intervals).
 *
 *   node --import tsx bench/views.ts            # 1,000,000 sessions (a few minutes)
 *   node --import tsx bench/views.ts --quick    #   100,000 sessions
 *
 * Database: BENCH_DATABASE_URL (must hold no sessions; migrated here, left in place), else a fresh
 * database on postgres://postgres@127.0.0.1:5432/postgres, dropped at the end.
 * Prints the medians and writes bench/results/views.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createKnex, type Knex } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrations.js';
import { rebuildAllReportingSummaries } from '../src/load/reporting-summaries.js';
import { syncReportingSettings } from '../src/admin/reporting-settings.js';

const quick = process.argv.includes('--quick');
const SESSIONS = quick ? 100_000 : 1_000_000;
const DAYS_OF_DATA = 365;
const DAYS_QUERIED = 90;
const OPERATORS = 60;
const RUNS = 7;
const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function seconds<T>(what: string, fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  console.log(`  ${what}: ${s.toFixed(1)} s`);
  return s;
}

/**
 * A year of sessions ending yesterday: business-hours peaks, six departments of unequal size,
 * 70 % chat / 20 % phone / 10 % AV, 92 % offered, 85 % of those answered, 2 % still open,
 * exponential queue/answer/conversation/ACW times; about 5 operator rows per 4 sessions.
 */
async function buildWarehouse(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO core.operators (user_id, user_name, first_name, last_name)
    SELECT u, 'operator' || u, 'Operator', 'No. ' || u FROM generate_series(1, ${OPERATORS}) u`);

  await knex.raw(`
    INSERT INTO core.sessions (
      session_id, company_id, department_id, channel, source, status, created_at,
      first_routing_at, ended_at,
      in_queue_s, waiting_s, answer_s, active_s, acw_s, created_s,
      is_offered, is_accepted, is_complete, skipped_states, facts_hash)
    SELECT
      id, 1, department, channel, 'Default', CASE WHEN complete THEN 'CLOSED' ELSE 'OPEN' END, created_at,
      CASE WHEN offered THEN created_at + interval '0.120 seconds' END,
      -- a guest who was never answered left after an exponential wait (mean 30 s): some are short abandons
      CASE WHEN complete THEN created_at + interval '0.120 seconds'
           + CASE WHEN answered THEN (coalesce(in_queue, 0) + coalesce(waiting, 0) + coalesce(active, 0)) * interval '1 second'
                  ELSE round((-ln(1 - random()) * 30)::numeric, 3) * interval '1 second' END END,
      in_queue, waiting, CASE WHEN answered THEN in_queue + waiting END,
      active, acw, CASE WHEN offered THEN 0.120 END,
      offered, answered, complete, CASE WHEN complete THEN '{}'::text[] END, 'bench'
    FROM (
      SELECT
        g AS id,
        date_trunc('day', now()) - interval '${DAYS_OF_DATA} days'
          + floor(random() * ${DAYS_OF_DATA}) * interval '1 day'
          + (6 + 14 * (random() + random() + random()) / 3) * interval '1 hour' AS created_at,
        1 + floor(6 * power(random(), 1.6))::int AS department,
        (ARRAY['Chat', 'Chat', 'Chat', 'Chat', 'Chat', 'Chat', 'Chat', 'Phone', 'Phone', 'AV'])[1 + floor(random() * 10)::int] AS channel,
        offered,
        answered,
        random() < 0.98 AS complete,
        -- the guest of an unanswered session often left before any operator was picked
        CASE WHEN answered OR (offered AND random() < 0.5) THEN round((-ln(1 - random()) * 25)::numeric, 3) END AS in_queue,
        CASE WHEN answered THEN round((-ln(1 - random()) * 8)::numeric, 3) END AS waiting,
        CASE WHEN answered THEN round((30 - ln(1 - random()) * 400)::numeric, 3) END AS active,
        CASE WHEN answered AND random() < 0.9 THEN round((-ln(1 - random()) * 90)::numeric, 3) END AS acw
      FROM (
        SELECT g, offered, offered AND random() < 0.85 AS answered
          FROM (SELECT g, random() < 0.92 AS offered FROM generate_series(1, ${SESSIONS}) g) o
      ) r
    ) s
  `);

  // one row per session for the operator who took it (or was offered it), a second one for every
  // fourth session (a missed offer or a forward): 1.25 rows per session
  await knex.raw(`
    INSERT INTO core.session_operators (session_id, user_id, joined_at, left_at, concluded_at, stints, queue_s, active_s, acw_s, offers, missed)
    SELECT s.session_id, 1 + (s.session_id * 7919) % ${OPERATORS},
           CASE WHEN s.is_accepted THEN s.created_at + s.answer_s * interval '1 second' END,
           CASE WHEN s.is_accepted THEN s.created_at + (s.answer_s + coalesce(s.active_s, 0)) * interval '1 second' END,
           CASE WHEN s.is_accepted AND s.acw_s IS NOT NULL
                THEN s.created_at + (s.answer_s + coalesce(s.active_s, 0) + s.acw_s) * interval '1 second' END,
           CASE WHEN s.is_accepted THEN 1 ELSE 0 END,
           s.waiting_s, s.active_s, s.acw_s, CASE WHEN s.is_offered THEN 1 ELSE 0 END, 0
      FROM core.sessions s;
    INSERT INTO core.session_operators (session_id, user_id, offers, missed)
    SELECT s.session_id, 1 + (s.session_id * 7919 + 17) % ${OPERATORS}, 1, 1
      FROM core.sessions s WHERE s.session_id % 4 = 0;
  `);
  await knex.raw('ANALYZE core.sessions; ANALYZE core.session_operators; ANALYZE core.operators; ANALYZE etl.settings');
}

interface Timing {
  medianMs: number;
  runsMs: number[];
  rows: number;
}

async function time(knex: Knex, sql: string): Promise<Timing> {
  await knex.raw(sql); // warm-up
  const runsMs: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    rows = (await knex.raw(sql)).rows.length;
    runsMs.push(Math.round((performance.now() - t0) * 10) / 10);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], runsMs, rows };
}

async function main(): Promise<void> {
  const given = process.env.BENCH_DATABASE_URL;
  const scratch = given ? undefined : `mluvii_bench_${randomBytes(4).toString('hex')}`;
  const admin = scratch ? createKnex(SERVER, { max: 1 }) : undefined;
  if (admin && scratch) await admin.raw(`CREATE DATABASE ${scratch}`);
  // The environment's tenant (`default`): the rows the benchmark builds are its.
  const knex = createKnex(given ?? withDatabase(SERVER, scratch as string), { max: 2, tenant: 'default' });
  try {
    await migrateLatest(knex);
    await syncReportingSettings(knex, { reportTz: 'Europe/Prague', serviceLevelSeconds: 20 });
    const existing = Number((await knex.raw('SELECT count(*) AS n FROM core.sessions')).rows[0].n);
    if (existing > 0) throw new Error(`BENCH_DATABASE_URL already holds ${existing} sessions; give the benchmark an empty database`);

    const version = (await knex.raw('SHOW server_version')).rows[0].server_version as string;
    console.log(`mluvii-etl view benchmark: ${SESSIONS.toLocaleString('en')} sessions over ${DAYS_OF_DATA} days, Postgres ${version}`);
    const buildS = await seconds('build the warehouse in core', () => buildWarehouse(knex));
    const operatorRows = Number((await knex.raw('SELECT count(*) AS n FROM core.session_operators')).rows[0].n);
    const rebuildS = await seconds('rebuild all summaries', () => rebuildAllReportingSummaries(knex));

    const { rows: bounds } = await knex.raw(`
      SELECT (max(period_start) - ${DAYS_QUERIED - 1})::text AS first, max(period_start)::text AS last
        FROM core.period_kpis_summary WHERE grain = 'day'`);
    const { first, last } = bounds[0] as { first: string; last: string };
    const inRange = `day BETWEEN '${first}' AND '${last}'`;
    const oneDaySessions = Number(
      (await knex.raw(`SELECT count(*) AS n FROM reporting.session_durations WHERE created_at >= '${last}'::date - 1 AND created_at < '${last}'::date + 1`)).rows[0].n,
    ) / 2;

    const weeks = `week_start BETWEEN date_trunc('week', '${first}'::date::timestamp)::date AND '${last}'`;
    const months = `month_start BETWEEN date_trunc('month', '${first}'::date::timestamp)::date AND '${last}'`;
    const { rows: aligned } = await knex.raw(`
      SELECT date_trunc('week', '${first}'::date::timestamp)::date::text AS first_week,
             (date_trunc('week', '${last}'::date::timestamp)::date + 6)::text AS last_week_end,
             date_trunc('month', '${first}'::date::timestamp)::date::text AS first_month,
             ((date_trunc('month', '${last}'::date::timestamp) + interval '1 month')::date - 1)::text AS last_month_end`);
    const a = aligned[0] as { first_week: string; last_week_end: string; first_month: string; last_month_end: string };
    // the staffing question of docs/metabase.md: 4 weeks of intervals, averaged per weekday and quarter-hour
    const staffing = `
      SELECT extract(isodow FROM interval_day)::int AS weekday, interval_time, sum(offered) / 4.0 AS avg_offered,
             sum(sum_handle_s) / 4 / 900 AS erlangs,
             round(sum(answered_within_sl) / nullif(sum(service_level_denominator), 0), 4) AS service_level
        FROM reporting.interval_kpis WHERE interval_day > '${last}'::date - 28 AND interval_day <= '${last}' GROUP BY 1, 2`;

    const timings: Record<string, Timing> = {
      daily_kpis: await time(knex, `SELECT * FROM reporting.daily_kpis WHERE ${inRange}`),
      weekly_kpis: await time(knex, `SELECT * FROM reporting.weekly_kpis WHERE ${weeks}`),
      monthly_kpis: await time(knex, `SELECT * FROM reporting.monthly_kpis WHERE ${months}`),
      interval_kpis: await time(knex, `SELECT * FROM reporting.interval_kpis WHERE interval_day BETWEEN '${first}' AND '${last}'`),
      interval_staffing_question: await time(knex, staffing),
      operator_daily: await time(knex, `SELECT * FROM reporting.operator_daily WHERE ${inRange}`),
      daily_kpis_from_core: await time(knex, `SELECT * FROM core.kpis_for_periods('default', 'day', '${first}', '${last}')`),
      weekly_kpis_from_core: await time(knex, `SELECT * FROM core.kpis_for_periods('default', 'week', '${a.first_week}', '${a.last_week_end}')`),
      monthly_kpis_from_core: await time(knex, `SELECT * FROM core.kpis_for_periods('default', 'month', '${a.first_month}', '${a.last_month_end}')`),
      interval_kpis_from_core: await time(knex, `SELECT * FROM core.interval_kpis_for_days('default', '${first}', '${last}')`),
      operator_daily_from_core: await time(knex, `SELECT * FROM core.operator_daily_for_days('default', '${first}', '${last}')`),
      refresh_one_day: await time(knex, `SELECT core.refresh_reporting_days('default', '${last}', '${last}')`),
      // the parts of that refresh: what a day alone costs, and what its week, month and intervals add
      refresh_part_day: await time(knex, `SELECT count(*) FROM core.kpis_for_periods('default', 'day', '${last}', '${last}')`),
      refresh_part_week: await time(knex, `SELECT count(*) FROM core.kpis_for_periods('default', 'week', date_trunc('week', '${last}'::date::timestamp)::date, date_trunc('week', '${last}'::date::timestamp)::date + 6)`),
      refresh_part_month: await time(knex, `SELECT count(*) FROM core.kpis_for_periods('default', 'month', date_trunc('month', '${last}'::date::timestamp)::date, (date_trunc('month', '${last}'::date::timestamp) + interval '1 month')::date - 1)`),
      refresh_part_intervals: await time(knex, `SELECT count(*) FROM core.interval_kpis_for_days('default', '${last}', '${last}')`),
    };

    console.log(`\n${DAYS_QUERIED} days (${first} … ${last}), median of ${RUNS} runs:`);
    const line = (name: string, t: Timing) => console.log(`  ${name.padEnd(48)} ${t.medianMs.toFixed(1).padStart(8)} ms  (${t.rows} rows)`);
    line('reporting.daily_kpis (summary)', timings.daily_kpis);
    line('  same KPIs straight from core', timings.daily_kpis_from_core);
    line('reporting.weekly_kpis (summary)', timings.weekly_kpis);
    line('  same KPIs straight from core', timings.weekly_kpis_from_core);
    line('reporting.monthly_kpis (summary)', timings.monthly_kpis);
    line('  same KPIs straight from core', timings.monthly_kpis_from_core);
    line('reporting.interval_kpis (summary, every row)', timings.interval_kpis);
    line('  same KPIs straight from core', timings.interval_kpis_from_core);
    line('staffing question on interval_kpis (28 days)', timings.interval_staffing_question);
    line('reporting.operator_daily (summary)', timings.operator_daily);
    line('  same KPIs straight from core', timings.operator_daily_from_core);
    line(`refresh of one day (~${Math.round(oneDaySessions)} sessions)`, timings.refresh_one_day);
    line('  of which: the day', timings.refresh_part_day);
    line('  of which: its ISO week', timings.refresh_part_week);
    line('  of which: its month', timings.refresh_part_month);
    line('  of which: its 15-minute intervals', timings.refresh_part_intervals);
    const speedup = (view: string) => Math.round((timings[`${view}_from_core`].medianMs / timings[view].medianMs) * 10) / 10;
    const ratios = Object.fromEntries(['daily_kpis', 'weekly_kpis', 'monthly_kpis', 'interval_kpis', 'operator_daily'].map((v) => [v, speedup(v)]));
    console.log(`  summaries are faster than computing from core by: ${Object.entries(ratios).map(([v, r]) => `${v} ${r}×`).join(', ')}`);

    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'views.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          postgres: version,
          sessions: SESSIONS,
          operatorRows,
          daysOfData: DAYS_OF_DATA,
          daysQueried: DAYS_QUERIED,
          range: { first, last },
          buildSeconds: Math.round(buildS * 10) / 10,
          rebuildAllSummariesSeconds: Math.round(rebuildS * 10) / 10,
          runs: RUNS,
          timings,
          speedup: ratios,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${out}`);
  } finally {
    await knex.destroy();
    if (admin && scratch) {
      await admin.raw(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.destroy();
    }
  }
}

main().catch((err) => {
  console.error(`bench/views: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

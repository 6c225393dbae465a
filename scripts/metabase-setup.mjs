#!/usr/bin/env node
/**
 * OPTIONAL starter kit for Metabase (docs/metabase.md), through Metabase's REST API (v0.47+):
 *  1. creates the first admin when Metabase is new (MB_ADMIN_EMAIL, MB_ADMIN_PASSWORD), else logs in;
 *  2. adds the warehouse as a PostgreSQL database that logs in as the reader role
 *     (REPORTING_ROLE, REPORTING_ROLE_PASSWORD), limited to the `reporting` schema;
 *  3. sets the report time zone to REPORT_TZ;
 *  4. creates a dashboard "mluvii contact center" with native-SQL questions over daily_kpis,
 *     weekly_kpis, interval_kpis (staffing), session_durations and operator_daily, every ratio a
 *     ratio of sums of its numerator and denominator columns.
 * Each step is skipped when already done, so running it twice is harmless.
 *
 *   docker compose --profile setup run --rm metabase-setup
 *   node --env-file=.env scripts/metabase-setup.mjs      # from the host: METABASE_URL defaults to
 *                                                         # http://localhost:3000
 *
 * WAREHOUSE_HOST / WAREHOUSE_PORT / WAREHOUSE_DB: where Metabase (not this script) reaches the
 * warehouse; default postgres:5432 (the compose service) and POSTGRES_DB.
 *
 * Plain JavaScript on Node's own fetch, so it runs without `npm ci`. Its API calls are untested
 * (no Metabase in CI); the SQL of its questions is run as the reader role by
 * test/reporting/reader-role.test.ts.
 */

import { pathToFileURL } from 'node:url';

const env = process.env;
const METABASE_URL = (env.METABASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const DATABASE_NAME = 'mluvii warehouse';
const DASHBOARD_NAME = 'mluvii contact center';

function required(name) {
  const v = env[name]?.trim();
  if (!v) {
    console.error(`metabase-setup: ${name} is required (set it in .env)`);
    process.exit(2);
  }
  return v;
}

let session;

/** REPORTING_ROLE, else the name mluvii-etl gives the reader role of the warehouse database (config.ts defaultReaderRole). */
function readerRole() {
  const given = env.REPORTING_ROLE?.trim();
  if (given) return given;
  let base = (env.WAREHOUSE_DB ?? env.POSTGRES_DB ?? 'mluvii').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z_]/.test(base)) base = `db_${base}`;
  return `${base.slice(0, 56)}_reader`;
}

async function api(method, path, body) {
  const res = await fetch(`${METABASE_URL}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(session ? { 'x-metabase-session': session } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /api${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function waitForMetabase() {
  for (let i = 0; i < 120; i++) {
    try {
      const health = await api('GET', '/health');
      if (health?.status === 'ok') return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  throw new Error(`Metabase did not answer at ${METABASE_URL} within 10 minutes`);
}

async function login() {
  const email = required('MB_ADMIN_EMAIL');
  const password = required('MB_ADMIN_PASSWORD');
  const props = await api('GET', '/session/properties');
  if (!props['has-user-setup']) {
    const res = await api('POST', '/setup', {
      token: props['setup-token'],
      user: { first_name: 'mluvii', last_name: 'Admin', email, password, site_name: 'mluvii' },
      prefs: { site_name: 'mluvii', site_locale: 'en', allow_tracking: false },
    });
    session = res.id;
    console.log(`created the Metabase admin ${email}`);
  } else {
    session = (await api('POST', '/session', { username: email, password })).id;
  }
}

async function ensureDatabase() {
  const listed = await api('GET', '/database');
  const existing = (Array.isArray(listed) ? listed : listed.data).find((d) => d.name === DATABASE_NAME);
  if (existing) {
    console.log(`database "${DATABASE_NAME}" already there (id ${existing.id})`);
    return existing.id;
  }
  const db = await api('POST', '/database', {
    engine: 'postgres',
    name: DATABASE_NAME,
    details: {
      // as Metabase sees it: the compose service by default
      host: env.WAREHOUSE_HOST ?? 'postgres',
      port: Number(env.WAREHOUSE_PORT ?? 5432),
      dbname: env.WAREHOUSE_DB ?? env.POSTGRES_DB ?? 'mluvii',
      user: readerRole(),
      password: required('REPORTING_ROLE_PASSWORD'),
      ssl: false,
      'schema-filters-type': 'inclusion',
      'schema-filters-patterns': 'reporting',
    },
    is_full_sync: true,
  });
  console.log(`added database "${DATABASE_NAME}" (id ${db.id}) as ${readerRole()}`);
  return db.id;
}

async function setReportTimezone() {
  const tz = env.REPORT_TZ?.trim() || 'Europe/Prague';
  await api('PUT', '/setting/report-timezone', { value: tz });
  console.log(`report time zone: ${tz}`);
}

/** "Today" in REPORT_TZ, whatever the server's or Metabase's zone. */
const TODAY = `WITH today AS (SELECT (now() AT TIME ZONE report_tz)::date AS day FROM reporting.report_settings)`;

/**
 * The dashboard's questions; test/reporting/reader-role.test.ts runs them as the reader role on
 * every day of a week. Every ratio is a ratio of sums of its numerator and denominator columns
 * (never an average of a ratio column), and every range is whole past days in REPORT_TZ, so the
 * cards show rows on any day of the week.
 */
export const QUESTIONS = [
  {
    name: 'Service level per day (last 28 days)',
    display: 'line',
    query: `${TODAY}
SELECT k.day,
       round(sum(k.answered_within_sl) / nullif(sum(k.service_level_denominator), 0), 4) AS service_level,
       round(sum(k.answered_within_sl) / nullif(sum(k.service_level_net_denominator), 0), 4) AS service_level_net
FROM reporting.daily_kpis k, today
WHERE k.day > today.day - 28 AND k.day <= today.day
GROUP BY k.day
ORDER BY k.day`,
  },
  {
    name: 'Answered, abandoned and short abandons per day (last 28 days)',
    display: 'bar',
    query: `${TODAY}
SELECT k.day, sum(k.answered) AS answered, sum(k.abandoned - k.short_abandoned) AS abandoned,
       sum(k.short_abandoned) AS short_abandoned, sum(k.offered - k.answered - k.abandoned) AS still_open
FROM reporting.daily_kpis k, today
WHERE k.day > today.day - 28 AND k.day <= today.day
GROUP BY k.day
ORDER BY k.day`,
  },
  {
    name: 'Service level and abandon rate per week and channel (last 8 weeks)',
    display: 'line',
    query: `${TODAY}
SELECT w.week_start, w.channel,
       round(sum(w.answered_within_sl) / nullif(sum(w.service_level_denominator), 0), 4) AS service_level,
       round(sum(w.abandon_rate_numerator) / nullif(sum(w.abandon_rate_denominator), 0), 4) AS abandon_rate
FROM reporting.weekly_kpis w, today
WHERE w.week_start > today.day - 56
GROUP BY w.week_start, w.channel
ORDER BY w.week_start, w.channel`,
  },
  {
    name: 'Staffing: arrivals and workload per 15 minutes of the day (average of the last 4 full weeks)',
    display: 'combo',
    query: `${TODAY},
     weeks AS (SELECT date_trunc('week', today.day::timestamp)::date AS this_monday FROM today)
SELECT i.interval_time,
       round(sum(i.offered) / 28.0, 2) AS avg_offered_per_day,
       round(sum(i.sum_handle_s) / 28 / 900, 2) AS avg_workload_erlangs,
       round(sum(i.answered_within_sl) / nullif(sum(i.service_level_denominator), 0), 4) AS service_level
FROM reporting.interval_kpis i, weeks
WHERE i.interval_day >= weeks.this_monday - 28 AND i.interval_day < weeks.this_monday
GROUP BY i.interval_time
ORDER BY i.interval_time`,
  },
  {
    name: 'Queue time by hour of day, p50 and p90 (last 28 days)',
    display: 'line',
    query: `${TODAY}
SELECT s.created_hour,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3) AS p90_in_queue_s,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.in_queue_s)::numeric, 3) AS p50_in_queue_s
FROM reporting.session_durations s, today
WHERE s.created_day > today.day - 28 AND s.created_day <= today.day AND s.is_offered
GROUP BY s.created_hour
ORDER BY s.created_hour`,
  },
  {
    name: 'After-call work per operator (last 28 days)',
    display: 'row',
    query: `${TODAY}
SELECT o.operator_name,
       round(sum(o.sum_acw_s) / nullif(sum(o.count_acw_s), 0), 1) AS avg_acw_s
FROM reporting.operator_daily o, today
WHERE o.day > today.day - 28 AND o.day <= today.day
GROUP BY o.user_id, o.operator_name
ORDER BY avg_acw_s DESC NULLS LAST`,
  },
];

async function ensureDashboard(databaseId) {
  const dashboards = await api('GET', '/dashboard?f=all');
  if ((Array.isArray(dashboards) ? dashboards : dashboards.data ?? []).some((d) => d.name === DASHBOARD_NAME)) {
    console.log(`dashboard "${DASHBOARD_NAME}" already there`);
    return;
  }
  const cards = [];
  for (const q of QUESTIONS) {
    const card = await api('POST', '/card', {
      name: q.name,
      display: q.display,
      visualization_settings: {},
      dataset_query: { type: 'native', database: databaseId, native: { query: q.query, 'template-tags': {} } },
    });
    cards.push(card.id);
  }
  const dashboard = await api('POST', '/dashboard', {
    name: DASHBOARD_NAME,
    description: 'Starter dashboard over the reporting views (scripts/metabase-setup.mjs). Edit freely.',
  });
  await api('PUT', `/dashboard/${dashboard.id}`, {
    dashcards: cards.map((cardId, i) => ({
      id: -(i + 1),
      card_id: cardId,
      row: Math.floor(i / 2) * 6,
      col: (i % 2) * 12,
      size_x: 12,
      size_y: 6,
      parameter_mappings: [],
      visualization_settings: {},
    })),
  });
  console.log(`created dashboard "${DASHBOARD_NAME}": ${METABASE_URL}/dashboard/${dashboard.id}`);
}

async function main() {
  await waitForMetabase();
  await login();
  const databaseId = await ensureDatabase();
  await setReportTimezone();
  await ensureDashboard(databaseId);
}

// Run only when invoked as a script, not when a test imports QUESTIONS.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`metabase-setup: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

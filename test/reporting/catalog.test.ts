/**
 * The reporting schema as the catalog describes it: the contract's views and columns
 * (docs/reporting.md), a COMMENT on every view and column, no guest personal data,
 * docs/reporting.md in step with the comments, and a migration that goes down and up again.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateLatest, migrationConfig } from '../../src/db/migrations.js';
import { REGENERATE_COMMAND, renderDataDictionary } from '../../src/admin/data-dictionary.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertSessions } from './core-rows.js';

const REPORTING_MIGRATION = '20261124000300_reporting';
const ANALYST_READY_MIGRATION = '20261130160000_reporting_from_sql_files';
const INTERVAL_FRESHNESS_MIGRATION = '20261209130000_interval_freshness';

/** docs/reporting.md and the brief of issue #6: these columns, under these names. */
const CONTRACT: Record<string, string[]> = {
  session_durations: [
    'session_id', 'company_id', 'department_id', 'channel', 'source', 'status', 'campaign_id', 'created_at',
    'guest_joined_at', 'started_at', 'ended_at', 'created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s',
    'ring_s', 'waited_s', 'skipped_states', 'quality_flags', 'is_complete',
  ],
  operator_sessions: ['session_id', 'user_id', 'operator_name', 'joined_at', 'left_at', 'concluded_at', 'queue_s', 'active_s', 'acw_s', 'offers', 'missed'],
  session_states: ['session_id', 'state', 'duration_s'],
  routing_events: ['session_id', 'seq', 'event_at', 'activity_type', 'operator_user_id'],
  daily_kpis: [
    'day', 'department_id', 'channel', 'offered', 'answered', 'abandoned', 'service_level',
    ...['in_queue', 'waiting', 'answer', 'active', 'acw', 'handle'].flatMap((m) => [`avg_${m}_s`, `p50_${m}_s`, `p90_${m}_s`]),
  ],
  // issue #16: sessions → sessions_handled (CHANGELOG.md)
  operator_daily: ['day', 'user_id', 'operator_name', 'sessions_handled', 'offers', 'missed', 'avg_queue_s', 'sum_active_s', 'avg_active_s', 'sum_acw_s', 'avg_acw_s'],
  // issue #16 (docs/metrics.md "Interval KPIs, short abandons and service-level variants")
  interval_kpis: [
    'interval_start', 'department_id', 'channel', 'offered', 'answered', 'abandoned', 'short_abandoned', 'answered_within_sl',
    'service_level', 'service_level_net', 'service_level_offered', 'service_level_answered', 'abandon_rate',
    'sum_answer_s', 'count_answer_s', 'sum_handle_s', 'count_handle_s',
    // issue 24, for an intraday screen (CHANGELOG.md)
    'loaded_through', 'is_current',
  ],
  weekly_kpis: ['week_start', 'department_id', 'channel', 'offered', 'short_abandoned', 'service_level', 'service_level_net', 'p90_answer_s'],
  monthly_kpis: ['month_start', 'department_id', 'channel', 'offered', 'short_abandoned', 'service_level', 'service_level_net', 'p90_answer_s'],
  session_flags: ['session_id', 'created_day', 'flag'],
  session_skipped_states: ['session_id', 'created_day', 'state'],
};

/** Issue #12: exactly these columns, in this order (the tenant first since several tenants share a warehouse, CHANGELOG.md). */
const SESSION_FILES = [
  'tenant', 'session_id', 'file_key', 'kind', 'name', 'user_id', 'started_at', 'duration_s', 'recording_type', 'size_bytes', 'sha256', 'stored_path', 'state', 'downloaded_at',
  // issue "Data protection" (CHANGELOG.md)
  'deleted_reason',
];

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

interface CatalogColumn {
  view: string;
  column: string;
  type: string;
  view_comment: string | null;
  column_comment: string | null;
}

async function catalog(): Promise<CatalogColumn[]> {
  const { rows } = await db.knex.raw(`
    SELECT c.relname AS view, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           obj_description(c.oid, 'pg_class') AS view_comment, col_description(c.oid, a.attnum) AS column_comment
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = 'reporting'
     ORDER BY c.relname, a.attnum`);
  return rows;
}

describe('the reporting schema', () => {
  it('has the contract\'s views with every listed column, and only views', async () => {
    const cols = await catalog();
    for (const [view, columns] of Object.entries(CONTRACT)) {
      expect([view, cols.filter((c) => c.view === view).map((c) => c.column)]).toEqual([view, expect.arrayContaining(columns)]);
    }
    const kinds = await db.knex.raw(`SELECT DISTINCT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'reporting'`);
    expect(kinds.rows).toEqual([{ relkind: 'v' }]);
    const types = Object.fromEntries(cols.filter((c) => c.view === 'session_durations').map((c) => [c.column, c.type]));
    expect(types).toMatchObject({ skipped_states: 'text[]', quality_flags: 'text[]', is_complete: 'boolean', in_queue_s: 'numeric(12,3)' });
  });

  it('gives weekly_kpis and monthly_kpis the columns of daily_kpis, in the same order and types, keyed by week_start and month_start', async () => {
    const cols = await catalog();
    const shape = (view: string) => cols.filter((c) => c.view === view).map((c) => `${c.column} ${c.type}`);
    const daily = shape('daily_kpis');
    expect(daily.slice(0, 2)).toEqual(['tenant text', 'day date']);
    expect(shape('weekly_kpis')).toEqual(['tenant text', 'week_start date', ...daily.slice(2)]);
    expect(shape('monthly_kpis')).toEqual(['tenant text', 'month_start date', ...daily.slice(2)]);
  });

  it('has reporting.session_files with exactly the columns of issue #12', async () => {
    expect((await catalog()).filter((c) => c.view === 'session_files').map((c) => c.column)).toEqual(SESSION_FILES);
  });

  it('has a non-empty COMMENT on every view and every column', async () => {
    const missing = (await catalog())
      .filter((c) => !c.view_comment?.trim() || !c.column_comment?.trim())
      .map((c) => `${c.view}.${c.column}`);
    expect(missing).toEqual([]);
  });

  it('cites the product\'s own docs/metrics.md, never a spec file outside the repository', async () => {
    const cols = await catalog();
    const texts = cols.flatMap((c) => [c.view_comment ?? '', c.column_comment ?? '']);
    expect(texts.filter((t) => /\.\.\/|shared\/|spec\//.test(t))).toEqual([]);
    const viewComments = new Map(cols.map((c) => [c.view, c.view_comment ?? '']));
    expect([...viewComments].filter(([, comment]) => !comment.includes('docs/metrics.md')).map(([view]) => view)).toEqual([]);
  });

  it('shows no guest personal data (IPs, phone numbers, e-mails, call parameters, texts)', async () => {
    const suspicious = (await catalog())
      .map((c) => `${c.view}.${c.column}`)
      .filter((name) => /(^|_)(ip|address|phone|e?mail|call_?params?|texts?|messages?|transcripts?|browser|identity|cookie|guest_name)(_|$)/i.test(name.split('.')[1]));
    expect(suspicious).toEqual([]);
  });

  it('is documented in docs/reporting.md exactly as the catalog says', async () => {
    const doc = readFileSync(new URL('../../docs/reporting.md', import.meta.url), 'utf8');
    const rendered = await renderDataDictionary(db.knex);
    if (doc !== rendered) {
      throw new Error(`docs/reporting.md differs from the COMMENTs in the database; regenerate it with \`${REGENERATE_COMMAND}\``);
    }
  });
});

describe('the reporting migration', () => {
  it('of interval freshness adds loaded_through and is_current after interval_kpis\'s columns, and goes down and up keeping the view\'s grants', async () => {
    const config = migrationConfig();
    const role = `mluvii_grantee_${randomBytes(4).toString('hex')}`;
    const columns = async () =>
      (await db.knex.raw(`SELECT attname FROM pg_attribute WHERE attrelid = 'reporting.interval_kpis'::regclass AND attnum > 0 ORDER BY attnum`)).rows.map(
        (r: { attname: string }) => r.attname as string,
      );
    const canRead = async () => (await db.knex.raw(`SELECT has_table_privilege(?, 'reporting.interval_kpis', 'SELECT') AS ok`, [role])).rows[0].ok;
    await db.knex.raw(`CREATE ROLE "${role}" NOLOGIN`);
    try {
      // a grant made by hand, which no reader registry gives back
      await db.knex.raw(`GRANT SELECT ON reporting.interval_kpis TO "${role}"`);
      const now = await columns();
      expect(now.slice(-2)).toEqual(['loaded_through', 'is_current']);
      expect((await db.knex('public.knex_migrations').orderBy('id', 'desc').first('name')).name).toBe(INTERVAL_FRESHNESS_MIGRATION);

      await db.knex.migrate.down(config);
      expect(await columns()).toEqual(now.slice(0, -2));
      expect(await canRead()).toBe(true);

      await migrateLatest(db.knex);
      expect(await columns()).toEqual(now);
      expect(await canRead()).toBe(true);
    } finally {
      await db.knex.raw(`DROP OWNED BY "${role}"`);
      await db.knex.raw(`DROP ROLE "${role}"`);
    }
  });

  it('of issue #16 rolls back alone to the previous views and columns, keeping the settings, and comes back', async () => {
    const config = migrationConfig();
    await syncReportingSettings(db.knex, { reportTz: 'UTC', serviceLevelSeconds: 30, shortAbandonSeconds: 2 });
    // Later migrations (recordings and files) go down first, then this one.
    while ((await db.knex('public.knex_migrations').pluck('name')).includes(ANALYST_READY_MIGRATION)) await db.knex.migrate.down(config);
    const columns = async (view: string) =>
      (await db.knex.raw(`SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0`, [`reporting.${view}`])).rows.map(
        (r: { attname: string }) => r.attname,
      );
    expect(await columns('operator_daily')).toContain('sessions');
    expect((await db.knex.raw(`SELECT to_regclass('reporting.interval_kpis') AS v`)).rows).toEqual([{ v: null }]);
    expect((await db.knex.raw('SELECT report_tz, service_level_seconds FROM etl.settings')).rows).toEqual([{ report_tz: 'UTC', service_level_seconds: 30 }]);

    await migrateLatest(db.knex);
    expect(await columns('operator_daily')).toContain('sessions_handled');
    expect((await db.knex.raw('SELECT report_tz, service_level_seconds, short_abandon_seconds FROM etl.settings')).rows).toEqual([
      { report_tz: 'UTC', service_level_seconds: 30, short_abandon_seconds: 5 }, // back to the default until the next sync
    ]);
    await syncReportingSettings(db.knex, { reportTz: 'Europe/Prague', serviceLevelSeconds: 20 });
  });

  it('goes down and up again, and builds the summaries of sessions already loaded', async () => {
    const config = migrationConfig();
    await insertSessions(db.knex, [
      { id: 1, created: '2026-03-29T10:00:00Z', accepted: true, answer: 5 },
      { id: 2, created: '2026-03-30T10:00:00Z', accepted: false },
    ]);
    const applied = async () => (await db.knex('public.knex_migrations').pluck('name')) as string[];
    while ((await applied()).includes(REPORTING_MIGRATION)) await db.knex.migrate.down(config);

    const left = await db.knex.raw(`
      SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('reporting', 'core', 'etl') AND c.relname ~ '(summary|settings|kpis|daily|durations)'
      UNION ALL
      SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'core'`);
    expect(left.rows).toEqual([]);
    expect(await db.knex('core.sessions').count('* as n')).toEqual([{ n: 2 }]); // core untouched

    await migrateLatest(db.knex);
    const { rows } = await db.knex.raw(`SELECT day::text AS day, sessions, answered, abandoned FROM reporting.daily_kpis ORDER BY day`);
    expect(rows).toEqual([
      { day: '2026-03-29', sessions: 1, answered: 1, abandoned: 0 },
      { day: '2026-03-30', sessions: 1, answered: 0, abandoned: 1 },
    ]);
    expect(await renderDataDictionary(db.knex)).toBe(readFileSync(new URL('../../docs/reporting.md', import.meta.url), 'utf8'));
  });
});

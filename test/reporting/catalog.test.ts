/**
 * The reporting schema as the catalog describes it: the contract's views and columns
 * (design.md "Reporting contract"), a COMMENT on every view and column, no guest personal data,
 * docs/reporting.md in step with the comments, and a migration that goes down and up again.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateLatest, migrationConfig } from '../../src/db/migrations.js';
import { REGENERATE_COMMAND, renderDataDictionary } from '../../src/load/data-dictionary.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertSessions } from './core-rows.js';

const REPORTING_MIGRATION = '20261124000300_reporting';

/** design.md "Reporting contract" and the brief of issue #6: these columns, under these names. */
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
  operator_daily: ['day', 'user_id', 'operator_name', 'sessions', 'offers', 'missed', 'avg_queue_s', 'sum_active_s', 'avg_active_s', 'sum_acw_s', 'avg_acw_s'],
};

/** Issue #12: exactly these columns, in this order. */
const SESSION_FILES = [
  'session_id', 'file_key', 'kind', 'name', 'user_id', 'started_at', 'duration_s', 'recording_type', 'size_bytes', 'sha256', 'stored_path', 'state', 'downloaded_at',
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

  it('has reporting.session_files with exactly the columns of issue #12', async () => {
    expect((await catalog()).filter((c) => c.view === 'session_files').map((c) => c.column)).toEqual(SESSION_FILES);
  });

  it('has a non-empty COMMENT on every view and every column', async () => {
    const missing = (await catalog())
      .filter((c) => !c.view_comment?.trim() || !c.column_comment?.trim())
      .map((c) => `${c.view}.${c.column}`);
    expect(missing).toEqual([]);
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
  it('goes down and up again, and builds the summaries of sessions already loaded', async () => {
    const config = migrationConfig();
    await insertSessions(db.knex, [
      { id: 1, created: '2026-03-29T10:00:00Z', answered: true, answer: 5 },
      { id: 2, created: '2026-03-30T10:00:00Z', answered: false },
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

import type { Knex } from 'knex';

/** The command that regenerates docs/reporting.md; the test that compares them names it. */
export const REGENERATE_COMMAND = 'node --import tsx scripts/data-dictionary.ts > docs/reporting.md';

interface Relation {
  name: string;
  kind: string;
  comment: string | null;
}

interface Column {
  relation: string;
  name: string;
  type: string;
  comment: string | null;
}

/** A comment as one markdown table cell. */
const cell = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

const KIND: Record<string, string> = { v: 'View', m: 'Materialized view', r: 'Table', p: 'Table', f: 'Foreign table' };

/**
 * docs/reporting.md, the data dictionary of the `reporting` schema, rendered from the COMMENTs in
 * the catalog (the same text Metabase shows), so the two cannot drift: a test compares the file
 * with what a freshly migrated database gives.
 */
export async function renderDataDictionary(knex: Knex): Promise<string> {
  const relations = (
    await knex.raw(`
      SELECT c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'reporting' AND c.relkind IN ('v', 'm', 'r', 'p', 'f')
       ORDER BY c.relname`)
  ).rows as Relation[];
  const columns = (
    await knex.raw(`
      SELECT c.relname AS relation, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
             col_description(c.oid, a.attnum) AS comment
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE n.nspname = 'reporting' AND c.relkind IN ('v', 'm', 'r', 'p', 'f')
       ORDER BY c.relname, a.attnum`)
  ).rows as Column[];

  const out: string[] = [
    '# Reporting data dictionary',
    '',
    `<!-- Generated from the COMMENTs in the database: do not edit by hand. Regenerate with \`${REGENERATE_COMMAND}\`; test/reporting/catalog.test.ts fails when this file and the catalog differ. -->`,
    '',
    'The `reporting` schema is what BI tools (Metabase) read; the reader role can read nothing else,',
    'and its sessions run in `REPORT_TZ`, so a BI tool\'s own day or hour grouping of an instant agrees',
    'with the views. Every "day" is a calendar day in `REPORT_TZ` and a session counts for the day it',
    'was created (weeks start on Monday); `interval_kpis` counts a session by its arrival in the queue.',
    'Durations are seconds with millisecond precision, and NULL means "did not happen or cannot be',
    'known". The M- and K-rules cited below are stated in [docs/metrics.md](../docs/metrics.md). Each view and',
    'KPI function is defined in its own file under `migrations/sql/`; renamed columns are listed in',
    '[CHANGELOG.md](../CHANGELOG.md).',
    '',
    '### Naming',
    '',
    '- Durations end in `_s` (seconds). A session-level duration is named after its state or rule',
    '  (`in_queue_s`, `waiting_s`, `answer_s`, `handle_s`, `abandon_wait_s`); a summary column puts the',
    '  aggregate in front: `avg_x_s`, `p50_x_s`, `p90_x_s`, `sum_x_s`, `count_x_s` (`count_x_s` counts',
    '  the sessions where x is known, the denominator of `avg_x_s`).',
    '- Counts of sessions are plain nouns (`offered`, `answered`, `abandoned`, `short_abandoned`,',
    '  `sessions_handled`); `offers` and `missed` count assignments to an operator, not sessions.',
    '- Every ratio (`service_level*`, `abandon_rate`) is 0–1 with 4 decimals, and its numerator and',
    '  denominator are columns of the same row (`answered_within_sl`, `*_denominator`, `*_numerator`).',
    '',
    '### Which column answers which question',
    '',
    '| question | view | column(s) | over several rows |',
    '|---|---|---|---|',
    '| How many contacts came in? | `daily_kpis`, `weekly_kpis`, `monthly_kpis` | `offered` (`sessions` also counts outbound and direct ones) | `sum(offered)` |',
    '| How are we doing today, and how fresh is that? | `today_kpis` | `offered`, `service_level`, `current_interval_*`; `loaded_through` | one row per tenant; by department or channel: `daily_kpis` of `day`, `interval_kpis` `WHERE is_current` (with its `loaded_through`) |',
    '| How many contacts came in per 15 minutes, for staffing? | `interval_kpis` | `offered`, `sum_handle_s` (workload) | `sum(...)` grouped by `interval_time` or `date_trunc(\'hour\', interval_start)` |',
    '| What is the service level? | any `*_kpis` | `service_level` | `sum(answered_within_sl) / sum(service_level_denominator)` |',
    '| … not counting guests who hung up within seconds? | any `*_kpis` | `service_level_net` | `sum(answered_within_sl) / sum(service_level_net_denominator)` |',
    '| … of all offered, or of the answered? | any `*_kpis` | `service_level_offered`, `service_level_answered` | `sum(answered_within_sl) / sum(offered)` (or `sum(answered)`) |',
    '| How many guests gave up? | any `*_kpis` | `abandoned`, `short_abandoned`, `abandon_rate` | `sum(abandon_rate_numerator) / sum(abandon_rate_denominator)` |',
    '| How long did guests wait before an operator answered? | any `*_kpis` | `avg_answer_s`, `p90_answer_s` | `sum(sum_answer_s) / sum(count_answer_s)`; percentiles: `weekly_kpis`, `monthly_kpis` or `session_durations` |',
    '| How long were guests in queue before an operator was picked? | `daily_kpis`, `weekly_kpis`, `monthly_kpis` | `avg_in_queue_s`, `p90_in_queue_s` | `sum(sum_in_queue_s) / sum(count_in_queue_s)` |',
    '| How long do conversations and after-call work take? | any `*_kpis` | `avg_handle_s`, `avg_active_s`, `avg_acw_s` | `sum(sum_handle_s) / sum(count_handle_s)` |',
    '| How many sessions did an operator handle? | `operator_daily` | `sessions_handled` (a session with two operators counts for each) | `sum(sessions_handled)` per operator |',
    '| How often did an operator let an offer time out? | `operator_daily` | `missed` of `offers` | `sum(missed) / sum(offers)` |',
    '| Which sessions have a data-quality flag or skipped a state? | `session_flags`, `session_skipped_states` | `flag`, `state` (filter with =, IN) | `count(DISTINCT session_id)` |',
    '| What is mluvii\'s own "waited" figure? | `session_durations` | `waited_s` (mluvii\'s, not one of our states; compare with `in_queue_s` + `waiting_s`) | — |',
    '',
    '### The views',
    '',
    '| view | what it is |',
    '|---|---|',
    ...relations.map((r) => `| [\`${r.name}\`](#reporting${r.name}) | ${cell(firstSentence(r.comment))} |`),
  ];
  for (const r of relations) {
    out.push('', `## reporting.${r.name}`, '', `**${KIND[r.kind] ?? r.kind}.** ${cell(r.comment)}`, '', '| column | type | meaning |', '|---|---|---|');
    for (const c of columns.filter((x) => x.relation === r.name)) {
      out.push(`| \`${c.name}\` | ${c.type} | ${cell(c.comment)} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

function firstSentence(text: string | null): string {
  if (!text) return '';
  const m = /^(.*?\.)(\s|$)/.exec(text);
  return m ? m[1] : text;
}

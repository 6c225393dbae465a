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
    'The `reporting` schema is what BI tools (Metabase) read; the reader role can read nothing else.',
    'Every "day" is a calendar day in `REPORT_TZ` and a session counts for the day it was created;',
    'durations are seconds with millisecond precision, and NULL means "did not happen or cannot be',
    'known" (see `metrics.md` for the M- and K-rules cited below). The definitions are in',
    '`migrations/20261124000300_reporting.ts`.',
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

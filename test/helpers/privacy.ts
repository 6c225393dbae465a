/**
 * What the data-protection tests search and compare (docs/privacy.md): a plain-text dump of the
 * whole warehouse database, the files folder as text (paths and contents), and checksums of the
 * duration facts and KPI rows that an erasure must leave as they were.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import type { TestDatabase } from './db.js';

const run = promisify(execFile);

/**
 * The whole database as text: `pg_dump` (plain format: schema and every row), or, when the
 * client cannot dump this server (an older pg_dump than the server, none installed), every row of
 * every table of every schema as Postgres prints it — the same rows, so the search never skips.
 */
export async function warehouseDump(db: TestDatabase): Promise<{ text: string; how: 'pg_dump' | 'rows' }> {
  try {
    const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', '--dbname', db.url], { maxBuffer: 1 << 30 });
    return { text: stdout, how: 'pg_dump' };
  } catch {
    return { text: await rowsDump(db.knex), how: 'rows' };
  }
}

async function rowsDump(knex: Knex): Promise<string> {
  const { rows } = await knex.raw(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  const out: string[] = [];
  for (const t of rows as Array<{ table_schema: string; table_name: string }>) {
    const r = await knex.raw(`SELECT x::text AS line FROM "${t.table_schema}"."${t.table_name}" x`);
    out.push(`-- ${t.table_schema}.${t.table_name}`, ...(r.rows as Array<{ line: string }>).map((l) => l.line));
  }
  return out.join('\n');
}

/** Every file under `dir`: its path relative to it, and its content, as one text. */
export async function filesText(dir: string): Promise<string> {
  const out: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const e of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const full = join(at, e.name);
      out.push(relative(dir, full));
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push((await readFile(full)).toString('latin1'));
    }
  };
  await walk(dir);
  return out.join('\n');
}

/** The markers of these sessions (simulator misbehaviour personalMarkers) found in `text`. */
export function markersIn(text: string, sessionIds: Iterable<number>): number[] {
  return [...sessionIds].filter((id) => text.includes(`pii-${id}-`));
}

/**
 * Per table, a checksum over every row of the duration facts and KPI rows, leaving out what an
 * erasure may change: names (of files and, for `forget --operator`, of operators) and the
 * bookkeeping of how the facts were built.
 */
const FACT_TABLES: Record<string, string[]> = {
  'core.sessions': ['facts_hash', 'inputs_key', 'loaded_at'],
  'core.session_states': [],
  'core.session_operators': ['user_name', 'first_name', 'last_name'],
  'core.routing_events': [],
  'core.period_kpis_summary': [],
  'core.interval_kpis_parts': [],
  'core.interval_kpis_summary': [],
  'core.operator_daily_summary': ['name_seen'],
};

export async function factsChecksums(knex: Knex): Promise<Record<string, { rows: number; md5: string }>> {
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const [table, left] of Object.entries(FACT_TABLES)) {
    const [schema, name] = table.split('.');
    const cols = (
      await knex.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, [schema, name])
    ).rows
      .map((r: { column_name: string }) => r.column_name)
      .filter((c: string) => !left.includes(c));
    const list = cols.map((c: string) => `"${c}"`).join(', ');
    const r = await knex.raw(`SELECT count(*)::int AS rows, coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '') AS md5 FROM (SELECT row(${list})::text AS x FROM ${table}) s`);
    out[table] = { rows: r.rows[0].rows, md5: r.rows[0].md5 };
  }
  return out;
}

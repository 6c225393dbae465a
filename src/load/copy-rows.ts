import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A column of a staged table: its name in the row object and its Postgres type. */
export type StagedColumn<Row> = readonly [name: keyof Row & string, pgType: string];

/**
 * The connection a knex transaction runs on: COPY needs the pg client itself. Inside a
 * transaction knex hands out that transaction's connection (and releasing it is a no-op).
 */
async function connectionOf(trx: Knex.Transaction): Promise<pg.PoolClient> {
  return (await (trx.client as { acquireConnection(): Promise<pg.PoolClient> }).acquireConnection()) as pg.PoolClient;
}

/**
 * A temporary staging table inside the caller's transaction (dropped at its end), holding
 * `columns` typed like `like` (a core table), filled with `COPY … FROM STDIN`: Postgres parses
 * COPY's text format many times faster than a JSON or array parameter, and nothing in the
 * permanent tables is touched until the merge statement the caller writes.
 */
export async function stageRows<Row>(trx: Knex.Transaction, stage: string, like: string, columns: ReadonlyArray<StagedColumn<Row>>, rows: readonly Row[]): Promise<void> {
  const names = columns.map(([n]) => n).join(', ');
  await trx.raw(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${names} FROM ${like} WITH NO DATA`);
  await copyInto(trx, stage, columns, rows);
}

/**
 * Appends `rows` to `table` with `COPY … FROM STDIN` in the caller's transaction: the fastest way
 * in, with no conflict handling, for rows the caller knows are new (the child rows of sessions
 * whose old rows it has just deleted).
 */
export async function copyInto<Row>(trx: Knex.Transaction, table: string, columns: ReadonlyArray<StagedColumn<Row>>, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const conn = await connectionOf(trx);
  await pipeline(Readable.from(copyText(columns, rows)), conn.query(copyFrom(`COPY ${table} (${columns.map(([n]) => n).join(', ')}) FROM STDIN`)));
}

/** The rows in COPY's text format, a few hundred rows per chunk. */
function* copyText<Row>(columns: ReadonlyArray<StagedColumn<Row>>, rows: readonly Row[]): Generator<string> {
  const encoders = columns.map(([name, type]) => {
    const enc = type.endsWith('[]') ? encodeArray : encodeScalar;
    return (row: Row) => enc(row[name]);
  });
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    let line = '';
    for (let c = 0; c < encoders.length; c++) line += (c ? '\t' : '') + encoders[c](row);
    chunk += line + '\n';
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** COPY text escaping: backslash, tab, newline and carriage return are escaped; NULL is \N. */
function copyEscape(s: string): string {
  if (!COPY_SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

export function encodeScalar(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot store ${v}`);
    return String(v);
  }
  if (v instanceof Date) return v.toISOString();
  return copyEscape(String(v));
}

/** A text[] as an array literal ({"a","b"}), every element quoted, then COPY-escaped. */
export function encodeArray(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (!Array.isArray(v)) throw new TypeError('expected an array');
  const literal = `{${v.map((x) => (x === null || x === undefined ? 'NULL' : `"${String(x).replace(/["\\]/g, (ch) => `\\${ch}`)}"`)).join(',')}}`;
  return copyEscape(literal);
}

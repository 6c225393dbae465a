import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeArray, encodeScalar, stageRows } from '../../src/load/copy-rows.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
  await db.knex.raw(`CREATE TABLE t (id bigint, s text, n numeric(12,3), b boolean, at timestamptz, a text[])`);
});
afterAll(async () => db?.drop());

describe('COPY text encoding', () => {
  it.each([
    [null, '\\N'],
    [undefined, '\\N'],
    [true, 't'],
    [false, 'f'],
    [1.5, '1.5'],
    [1e-7, '1e-7'],
    ['a\tb\nc\rd\\e', 'a\\tb\\nc\\rd\\\\e'],
    ['\\N', '\\\\N'],
  ])('scalar %p → %p', (v, text) => expect(encodeScalar(v)).toBe(text));

  it.each([
    [[], '{}'],
    [['a', 'b c'], '{"a","b c"}'],
    [['q"uote', 'back\\slash', '{brace}', 'NULL'], '{"q\\\\"uote","back\\\\\\\\slash","{brace}","NULL"}'],
    [[null], '{NULL}'],
  ])('array %p → %p', (v, text) => expect(encodeArray(v)).toBe(text));

  it('refuses what Postgres could only store wrongly', () => {
    expect(() => encodeScalar(Number.NaN)).toThrow(/cannot store/);
    expect(() => encodeArray('x')).toThrow(/array/);
  });
});

describe('stageRows (COPY into a temporary table of the transaction)', () => {
  it('round-trips awkward values exactly, and the stage is gone after the transaction', async () => {
    type Row = { id: number; s: string | null; n: number | null; b: boolean | null; at: string | null; a: Array<string | null> | null };
    const rows: Row[] = [
      { id: 1, s: 'tab\there\nnew line\r\\ and \\N', n: 12.345, b: true, at: '2026-03-02T10:00:00.123Z', a: ['x', 'q"uote', 'back\\slash', '{b}', 'NULL', null] },
      { id: 2, s: null, n: null, b: null, at: null, a: null },
      { id: 3, s: 'Žluťoučký kůň 🐎', n: 0.001, b: false, at: '2026-03-29T01:30:00+01:00', a: [] },
    ];
    const got = await db.knex.transaction(async (trx) => {
      await stageRows(trx, 'stage_t', 't', [['id', ''], ['s', ''], ['n', ''], ['b', ''], ['at', ''], ['a', 'text[]']], rows);
      return (await trx.raw(`SELECT id, s, n, b, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at, a FROM stage_t ORDER BY id`)).rows;
    });
    expect(got).toEqual([
      { id: 1, s: rows[0].s, n: 12.345, b: true, at: '2026-03-02T10:00:00.123', a: rows[0].a },
      { id: 2, s: null, n: null, b: null, at: null, a: null },
      { id: 3, s: rows[2].s, n: 0.001, b: false, at: '2026-03-29T00:30:00.000', a: [] },
    ]);
    expect((await db.knex.raw(`SELECT to_regclass('pg_temp.stage_t') AS t`)).rows[0].t).toBeNull();
  });
});

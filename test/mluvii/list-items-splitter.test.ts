import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ListItemsSplitter, ListShapeError, type SplitItem } from '../../src/mluvii/list-items-splitter.js';

/** Splits `text` fed in chunks cut at `cuts` (byte offsets). */
function split(text: string | Buffer, maxItemBytes = Infinity, cuts: number[] = []): SplitItem[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const items: SplitItem[] = [];
  const s = new ListItemsSplitter(maxItemBytes, (item) => items.push(item));
  let at = 0;
  for (const c of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    s.push(bytes.subarray(at, c));
    at = c;
  }
  s.push(bytes.subarray(at));
  s.end();
  return items;
}
const parsed = (items: SplitItem[]) => items.map((i) => (i.kind === 'item' ? JSON.parse(i.text) : i));

describe('ListItemsSplitter', () => {
  it('cuts a bare array into its items, whatever their kind', () => {
    const list = [{ id: 1, a: '[{"x"}]', b: [1, { c: '\\"' }] }, 'str"ing', 42, -1.5e3, true, null, [], {}, [[['deep']]], 'é 🙂 \u0000'];
    expect(parsed(split(JSON.stringify(list)))).toEqual(list);
    expect(parsed(split(JSON.stringify(list, null, 2)))).toEqual(list);
    expect(parsed(split(' \n[ ] '))).toEqual([]);
  });

  it('gives the same items for any cut of the text into chunks (against JSON.parse)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (list, cuts, pretty) => {
        const text = pretty ? JSON.stringify(list, null, 1) : JSON.stringify(list);
        const bytes = Buffer.from(text);
        expect(parsed(split(bytes, Infinity, cuts.map((c) => c % (bytes.length + 1))))).toEqual(JSON.parse(text));
      }),
      { numRuns: 400 },
    );
  });

  it('cuts every escaped quote and backslash right, also when a chunk ends inside the escape', () => {
    const list = [{ id: 3, s: 'a\\', t: '\\"', u: '\\\\"x' }, 'q\\"', { id: 4 }];
    const text = JSON.stringify(list);
    for (let c = 1; c < text.length; c++) expect(parsed(split(text, Infinity, [c]))).toEqual(list);
  });

  it('an item over the bound: counted, not kept — its first KB and its id (wherever the id stands)', () => {
    const big = { pad: 'x'.repeat(5000), nested: { id: 99 }, id: 77, more: ['y'.repeat(3000)] };
    const text = JSON.stringify([{ id: 1 }, big, { id: 2 }]);
    for (const cuts of [[], [10, 20, 1030, 4000, 8000], Array.from({ length: 900 }, (_, k) => k * 10)]) {
      const items = split(text, 1000, cuts);
      expect(items.map((i) => i.kind)).toEqual(['item', 'oversized', 'item']);
      const o = items[1] as Extract<SplitItem, { kind: 'oversized' }>;
      expect(o).toEqual({ kind: 'oversized', bytes: Buffer.byteLength(JSON.stringify(big)), head: JSON.stringify(big).slice(0, 1024), id: 77 });
    }
    // An id that is a string, a fraction or not there: none is kept.
    for (const id of ['"5"', '1.5', '[5]', '12345678901234567890123456789']) {
      const o = split(`[{"id": ${id}, "pad": "${'x'.repeat(2000)}"}]`, 100)[0];
      expect(o).toEqual({ kind: 'oversized', bytes: expect.any(Number), head: expect.any(String) });
    }
    expect(split(`[{"pad": "${'x'.repeat(2000)}", "id" : 12 }]`, 100)[0]).toMatchObject({ id: 12 });
  });

  it('reads the one array of a wrapping object', () => {
    expect(parsed(split('{"meta": {"a": [1]}, "total": 2, "items": [{"id": 1}, {"id": 2}], "next": null}'))).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('says what is wrong with an answer that is no list', () => {
    const wrong: Array<[string, RegExp]> = [
      ['', /empty/],
      ['{"message": "nope"}', /holding no array/],
      ['{"a": [1], "b": [2]}', /more than one array/],
      ['42', /not a JSON array/],
      ['<html>', /not a JSON array/],
      ['[{"id": 1}', /ends before its JSON is complete/],
      ['[{"id": 1}{"id": 2}]', /comma was due/],
      ['[,1]', /missing before a comma/],
      ['[1] [2]', /more text follows/],
    ];
    for (const [text, message] of wrong) {
      let error: unknown;
      try {
        split(text);
      } catch (e) {
        error = e;
      }
      expect({ text, error: error instanceof ListShapeError && message.test(error.message) }).toEqual({ text, error: true });
    }
  });

  it('keeps any nesting depth as it is: nothing in it recurses', () => {
    const deep = `${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}`;
    const items = split(`[{"id": 5, "deep": ${deep}}, {"id": 6}]`, Infinity, [7, 50_000, 150_000]);
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ kind: 'item' });
    expect((items[0] as { text: string }).text.length).toBe(deep.length + '{"id": 5, "deep": }'.length);
  });
});

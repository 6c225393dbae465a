import { describe, expect, it } from '@jest/globals';
import { MluviiApiError } from '../../src/mluvii/errors.js';
import { pageThrough } from '../../src/mluvii/session-pages.js';
import { payloadId, wrappedArray } from '../../src/util/json.js';

/** The paging rules on in-memory pages (the HTTP side is tested against the simulator in client.test.ts). */
async function collect(
  pages: unknown[][] | ((offset: number) => unknown),
  bounds?: { maxItemBytes: number; maxPages: number },
): Promise<{ payloads: unknown[]; offsets: number[]; oversized: Array<number | undefined> }> {
  const offsets: number[] = [];
  const payloads: unknown[] = [];
  const oversized: Array<number | undefined> = [];
  const fetchPage = async (offset: number) => {
    offsets.push(offset);
    const body = typeof pages === 'function' ? pages(offset) : (pages[offsets.length - 1] ?? []);
    return { body, mayHoldOversized: JSON.stringify(body).length > (bounds?.maxItemBytes ?? Infinity) };
  };
  for await (const item of pageThrough(fetchPage, (offset) => ({ endpoint: 'GET /api/v1/Sessions', context: `offset ${offset}` }), bounds)) {
    payloads.push(item.payload);
    oversized.push(item.oversized?.bytes);
  }
  return { payloads, offsets, oversized };
}

describe('pageThrough', () => {
  it('advances by the items received and stops only at an empty page (a short page is not the end)', async () => {
    const r = await collect([[{ id: 1 }, { id: 2 }], [{ id: 3 }], [{ id: 4 }, { id: 5 }], []]);
    expect(r.payloads).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
    expect(r.offsets).toEqual([0, 2, 3, 5]);
  });

  it('yields a session listed twice again, so the copy fetched last wins; malformed items unchanged', async () => {
    const r = await collect([[{ id: 1, v: 'a' }, 'oops', { noId: true }], [{ id: 1, v: 'b' }, { id: 2 }, null, { id: '3' }], []]);
    expect(r.payloads).toEqual([{ id: 1, v: 'a' }, 'oops', { noId: true }, { id: 1, v: 'b' }, { id: 2 }, null, { id: '3' }]);
  });

  it('marks items over the item bound with their size, and fails a window over the page bound', async () => {
    const big = { id: 9, pad: 'x'.repeat(500) };
    const r = await collect([[{ id: 1 }, big], []], { maxItemBytes: 100, maxPages: 10 });
    expect(r.oversized).toEqual([undefined, JSON.stringify(big).length]);
    expect(r.payloads).toEqual([{ id: 1 }, undefined]); // only its first KB is kept, for the reject
    let n = 0;
    const endless = await collect(() => [{ id: ++n }, { id: ++n }], { maxItemBytes: 1e9, maxPages: 5 }).catch((e: unknown) => e);
    expect(String((endless as Error).message)).toMatch(/more than 5 pages \(MLUVII_MAX_PAGES\)/);
  });

  it('accepts a page wrapped in an object', async () => {
    const r = await collect([{ items: [{ id: 7 }] } as unknown as unknown[], []]);
    expect(r.payloads).toEqual([{ id: 7 }]);
  });

  it('fails on an answer that is not a list, naming the endpoint', async () => {
    await expect(collect([{ message: 'nope' } as unknown as unknown[]])).rejects.toMatchObject({ kind: 'payload', endpoint: 'GET /api/v1/Sessions' });
  });

  it('fails instead of looping forever when the server ignores offset', async () => {
    const err = await collect(() => [{ id: 1 }, { id: 2 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MluviiApiError);
    expect(String((err as Error).message)).toMatch(/ignore offset/);
  });
});

describe('payloadId and wrappedArray', () => {
  it('only safe integers in objects are ids', () => {
    expect(payloadId({ id: 5 })).toBe(5);
    expect(payloadId({ id: '5' })).toBeUndefined();
    expect(payloadId({ id: 1.5 })).toBeUndefined();
    expect(payloadId([5])).toBeUndefined();
    expect(payloadId(null)).toBeUndefined();
  });

  it('a list is a bare array or an object with exactly one array', () => {
    expect(wrappedArray([1])).toEqual([1]);
    expect(wrappedArray({ data: [1], total: 1 })).toEqual([1]);
    expect(wrappedArray({ a: [1], b: [2] })).toBeUndefined();
    expect(wrappedArray('x')).toBeUndefined();
  });
});

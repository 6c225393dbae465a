import { describe, expect, it } from '@jest/globals';
import { MluviiApiError } from '../../src/mluvii/errors.js';
import { pageThrough, type ListedSession, type PagingBounds } from '../../src/mluvii/session-pages.js';
import { payloadId, wrappedArray } from '../../src/util/json.js';

/** The paging rules on in-memory pages (the HTTP side is tested against the simulator in client.test.ts). */
async function collect(
  pages: unknown[][] | ((offset: number, limit?: number) => unknown[]),
  bounds?: PagingBounds,
): Promise<{ payloads: unknown[]; offsets: number[]; requests: Array<[number, number | undefined]> }> {
  const offsets: number[] = [];
  const requests: Array<[number, number | undefined]> = [];
  const payloads: unknown[] = [];
  const fetchPage = async (offset: number, limit?: number): Promise<ListedSession[]> => {
    requests.push([offset, limit]);
    if (limit !== undefined) return (typeof pages === 'function' ? pages(offset, limit) : []).map((payload) => ({ payload }));
    offsets.push(offset);
    const body = typeof pages === 'function' ? pages(offset) : (pages[offsets.length - 1] ?? []);
    return body.map((payload) => ({ payload }));
  };
  for await (const item of pageThrough(fetchPage, (offset) => ({ endpoint: 'GET /api/v1/Sessions', context: `offset ${offset}` }), bounds)) {
    payloads.push(item.payload);
  }
  return { payloads, offsets, requests };
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

  it('fails a window over the page bound', async () => {
    let n = 0;
    const endless = await collect(() => [{ id: ++n }, { id: ++n }], { maxPages: 5 }).catch((e: unknown) => e);
    expect(String((endless as Error).message)).toMatch(/more than 5 pages \(MLUVII_MAX_PAGES\)/);
  });

  it('an endless list of items without ids fails after ONE request past the session bound, before any item is yielded', async () => {
    const bound = { count: 48, because: 'MLUVII_MAX_SESSIONS_PER_HOUR 2 × 24 h' };
    const yielded: unknown[] = [];
    let requests: Array<[number, number | undefined]> = [];
    const err = await (async () => {
      const fetchPage = async (offset: number, limit?: number) => {
        requests.push([offset, limit]);
        return Array.from({ length: limit ?? 10 }, () => ({ payload: { created: '2026-01-01T00:00:00Z' } })); // never ends, no ids
      };
      for await (const item of pageThrough(fetchPage, (o) => ({ endpoint: 'GET /api/v1/Sessions', context: `offset ${o}` }), { maxPages: 10_000, maxSessions: bound })) yielded.push(item);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MluviiApiError);
    expect((err as MluviiApiError).message).toBe(
      "GET /api/v1/Sessions (offset 48) lists more than 48 sessions, more than a window of its length can hold (MLUVII_MAX_SESSIONS_PER_HOUR 2 × 24 h): the server's list does not end, or the setting is too low for this tenant; giving up on this window before fetching any of its sessions",
    );
    expect(requests).toEqual([[0, undefined], [48, 1]]);
    expect(yielded).toEqual([]);

    // A list that is short at the probe but then goes on anyway (it changed, or lies): caught while paging, by count.
    requests = [];
    let n = 0;
    const late = await collect((offset, limit) => (limit === 1 ? [] : Array.from({ length: 10 }, () => ({ n: ++n }))), { maxPages: 10_000, maxSessions: bound }).catch((e: unknown) => e);
    expect(String((late as Error).message)).toMatch(/lists more than 48 sessions.*while listing it$/);

    // A window within its bound: one request more than before, and everything listed.
    const fine = await collect([[{ id: 1 }, { id: 2 }], [{ id: 3 }], []], { maxPages: 10, maxSessions: bound });
    expect(fine.payloads).toHaveLength(3);
    expect(fine.requests).toEqual([[0, undefined], [48, 1], [2, undefined], [3, undefined]]);
    // An empty window needs no second request.
    expect((await collect([[]], { maxPages: 10, maxSessions: bound })).requests).toEqual([[0, undefined]]);
  });

  it('a server that ignores offset is named as such, also by the request past the bound', async () => {
    const err = await collect(() => [{ id: 1 }, { id: 2 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MluviiApiError);
    expect(String((err as Error).message)).toMatch(/ignore offset/);
    const probed = await collect(() => [{ id: 1 }, { id: 2 }], { maxPages: 10, maxSessions: { count: 100, because: 'x' } }).catch((e: unknown) => e);
    expect(String((probed as Error).message)).toMatch(/offset 100\) answers the first page again: does the server ignore offset\?/);
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

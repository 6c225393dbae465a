/**
 * Paging through one window of `GET /api/v1/Sessions`:
 * `offset` advances by the number of items actually received, because the server may cap a page
 * below `limit`; only an EMPTY page ends the window, and a window needing more than `maxPages`
 * pages fails (a server whose pages never end must not page forever). A session listed twice
 * (offsets shift when the window changes while it is read) is yielded again: the copy fetched
 * last is the one that counts. Items without a numeric id are yielded as they are, so the pipeline
 * can reject them with a reason; items larger than `maxItemBytes` carry their size.
 */
import { payloadId, wrappedArray } from '../util/json.js';
import { MluviiApiError } from './errors.js';

/** One list item exactly as received (may be malformed: not an object, no id...). */
export interface ListedSession {
  /** undefined for an oversized item: it is not kept (only `oversized.head`). */
  payload: unknown;
  /** The item's id, for an oversized item. */
  id?: number;
  /** No string of it holds U+0000 or a lone surrogate (its page's JSON text was scanned). */
  textChecked?: boolean;
  /** Set when the item's JSON is larger than the item bound (MLUVII_MAX_ITEM_BYTES): its size in bytes and its first KB. */
  oversized?: { bytes: number; head: string };
}

/** One list answer and whether its body was large enough that an item may exceed the item bound. */
export interface ListPage {
  body: unknown;
  mayHoldOversized: boolean;
  /** The page's JSON text held an escaped NUL or surrogate: its items' text must be checked. */
  mayHoldBadText?: boolean;
}

/** After this many pages in a row that bring only sessions already seen, the server is assumed to ignore `offset`. */
const MAX_STALE_PAGES = 3;

export async function* pageThrough(
  fetchPage: (offset: number) => Promise<ListPage>,
  describe: (offset: number) => { endpoint: string; context: string },
  bounds: { maxItemBytes: number; maxPages: number } = { maxItemBytes: Infinity, maxPages: Infinity },
): AsyncGenerator<ListedSession> {
  const seen = new Set<number>();
  let offset = 0;
  let stale = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= bounds.maxPages) {
      const { endpoint, context } = describe(offset);
      throw new MluviiApiError(
        `${endpoint} (${context}): the window needs more than ${bounds.maxPages} pages (MLUVII_MAX_PAGES) — the server's pages do not end; giving up on this window`,
        { endpoint, status: 200, attempts: 1, kind: 'payload' },
      );
    }
    const { body, mayHoldOversized, mayHoldBadText } = await fetchPage(offset);
    const items = wrappedArray(body);
    if (!items) {
      const { endpoint, context } = describe(offset);
      throw new MluviiApiError(`${endpoint} (${context}) did not answer a JSON array`, { endpoint, status: 200, attempts: 1, kind: 'payload' });
    }
    if (items.length === 0) return;
    offset += items.length;
    let fresh = 0;
    let known = 0;
    for (const payload of items) {
      const id = payloadId(payload);
      if (id !== undefined) {
        if (seen.has(id)) known += 1;
        else {
          seen.add(id);
          fresh += 1;
        }
      }
      // Only a page whose body is over the bound can hold an item over it: the rest are not measured.
      if (mayHoldOversized) {
        const json = JSON.stringify(payload) ?? '';
        const bytes = Buffer.byteLength(json);
        if (bytes > bounds.maxItemBytes) {
          yield { payload: undefined, oversized: { bytes, head: json.slice(0, 1024) }, ...(id === undefined ? {} : { id }) };
          continue;
        }
      }
      yield mayHoldBadText === false ? { payload, textChecked: true } : { payload };
    }
    stale = fresh === 0 && known > 0 ? stale + 1 : 0;
    if (stale >= MAX_STALE_PAGES) {
      const { endpoint, context } = describe(offset);
      throw new MluviiApiError(`${endpoint} (${context}) keeps returning sessions already seen: does the server ignore offset?`, {
        endpoint,
        status: 200,
        attempts: 1,
        kind: 'payload',
      });
    }
  }
}

/**
 * Paging through one window of `GET /api/v1/Sessions`:
 * `offset` advances by the number of items actually received, because the server may cap a page
 * below `limit`; only an EMPTY page ends the window. A session listed twice (offsets shift when the
 * window changes while it is read) is yielded again: the copy fetched last is the one that counts.
 * Items without a numeric id are yielded as they are, so the pipeline can reject them with a
 * reason; items larger than the item bound come without their payload (list-page-reader.ts).
 *
 * A list that does not end must cost little. Two bounds fail the window with their reason:
 * - `maxSessions`: more items than a window of its length can hold (every item counts, with an id
 *   or not). Right after the first page, ONE request of one item at offset `maxSessions` asks
 *   whether the list goes on past the bound — before any session of the window is yielded, so
 *   before any routing history or detail is fetched. While paging, the count is checked again.
 * - `maxPages` (MLUVII_MAX_PAGES): more pages than that, whatever they hold.
 */
import { payloadId } from '../util/json.js';
import { MluviiApiError } from './errors.js';

/** One list item exactly as received (may be malformed: not an object, no id...). */
export interface ListedSession {
  /** undefined for an oversized item: it is not kept (only `oversized.head`). */
  payload: unknown;
  /** The item's id, for an oversized item. */
  id?: number;
  /** No string of it holds U+0000 or a lone surrogate (its JSON text was scanned). */
  textChecked?: boolean;
  /** Set when the item's JSON is larger than the item bound (MLUVII_MAX_ITEM_BYTES): its size in bytes and its first KB. */
  oversized?: { bytes: number; head: string };
}

/** How many sessions a window can hold, and what that follows from (for the message). */
export interface SessionBound {
  count: number;
  /** e.g. `MLUVII_MAX_SESSIONS_PER_HOUR 10000 × 24 h` */
  because: string;
}

export interface PagingBounds {
  maxPages: number;
  maxSessions?: SessionBound;
}

/** After this many pages in a row that bring only sessions already seen, the server is assumed to ignore `offset`. */
const MAX_STALE_PAGES = 3;

const idOf = (item: ListedSession | undefined): number | undefined => (item === undefined ? undefined : (payloadId(item.payload) ?? item.id));

export async function* pageThrough(
  fetchPage: (offset: number, limit?: number) => Promise<ListedSession[]>,
  describe: (offset: number) => { endpoint: string; context: string },
  bounds: PagingBounds = { maxPages: Infinity },
): AsyncGenerator<ListedSession> {
  const failure = (offset: number, message: string) => {
    const { endpoint, context } = describe(offset);
    return new MluviiApiError(`${endpoint} (${context}) ${message}`, { endpoint, status: 200, attempts: 1, kind: 'payload' });
  };
  const tooMany = (offset: number, bound: SessionBound, when: string) =>
    failure(
      offset,
      `lists more than ${bound.count} sessions, more than a window of its length can hold (${bound.because}): the server's list does not end, or the setting is too low for this tenant; giving up on this window ${when}`,
    );
  const { maxSessions } = bounds;
  const seen = new Set<number>();
  let offset = 0;
  let listed = 0;
  let stale = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= bounds.maxPages) {
      const { endpoint, context } = describe(offset);
      throw new MluviiApiError(
        `${endpoint} (${context}): the window needs more than ${bounds.maxPages} pages (MLUVII_MAX_PAGES) — the server's pages do not end; giving up on this window`,
        { endpoint, status: 200, attempts: 1, kind: 'payload' },
      );
    }
    const items = await fetchPage(offset);
    if (items.length === 0) return;
    if (pages === 0 && maxSessions && items.length <= maxSessions.count) {
      const beyond = await fetchPage(maxSessions.count, 1);
      if (beyond.length > 0) {
        const first = idOf(items[0]);
        if (first !== undefined && first === idOf(beyond[0])) throw failure(maxSessions.count, 'answers the first page again: does the server ignore offset?');
        throw tooMany(maxSessions.count, maxSessions, 'before fetching any of its sessions');
      }
    }
    listed += items.length;
    if (maxSessions && listed > maxSessions.count) throw tooMany(offset, maxSessions, 'while listing it');
    offset += items.length;
    let fresh = 0;
    let known = 0;
    for (const item of items) {
      const id = idOf(item);
      if (id !== undefined) {
        if (seen.has(id)) known += 1;
        else {
          seen.add(id);
          fresh += 1;
        }
      }
      yield item;
    }
    stale = fresh === 0 && known > 0 ? stale + 1 : 0;
    if (stale >= MAX_STALE_PAGES) throw failure(offset, 'keeps returning sessions already seen: does the server ignore offset?');
  }
}

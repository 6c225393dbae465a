/**
 * Sessions by id through the list endpoint's `SessionId` set filter (`SessionId=1&SessionId=2`):
 * one request for a whole batch of sessions where `GET /Sessions/{id}` costs one each. The filter
 * is a set filter of the list like `Status` or `Channel`, but its use for this is not documented,
 * so nothing here trusts it: a list that shows a session not asked for means the filter was
 * ignored, and the caller is told so (it then fetches each detail, as without the filter).
 */
import { payloadId } from '../util/json.js';
import type { ListedSession } from './session-pages.js';

/** The outcome of one question: the sessions found (by id), or the filter not honoured and why. */
export type ListedByIds = { found: Map<number, ListedSession> } | { ignored: string };

/**
 * Pages through the list filtered to `ids` until every id was listed, a page is empty, or a page
 * brings no session not seen yet (a server that ignores `offset`). A page may be capped below its
 * `limit`, so a short page that leaves ids unlisted is followed by one more. Ids the list does not
 * show are absent from `found` (the caller asks for their detail: the list may hide some, e.g.
 * sessions still running, and a 404 there is the final word).
 */
export async function listByIds(ids: readonly number[], pageSize: number, fetchPage: (offset: number, limit: number) => Promise<ListedSession[]>): Promise<ListedByIds> {
  const wanted = new Set(ids);
  const found = new Map<number, ListedSession>();
  const limit = Math.min(pageSize, wanted.size);
  let offset = 0;
  while (found.size < wanted.size) {
    const page = await fetchPage(offset, limit);
    if (page.length === 0) break;
    let fresh = 0;
    for (const item of page) {
      const id = payloadId(item.payload) ?? item.id;
      // An item without an id says nothing of the filter; the session it was is fetched by id.
      if (id === undefined) continue;
      if (!wanted.has(id)) return { ignored: `the list answered session ${id}, which was not asked for: the API ignores the SessionId filter` };
      if (!found.has(id)) fresh += 1;
      found.set(id, item); // listed twice: the later copy counts, as in a window
    }
    if (fresh === 0) break;
    offset += page.length;
  }
  return { found };
}

/**
 * The longest query a list by SessionId sends: IIS refuses query strings over 2,048 bytes by
 * default (404.15), and a refusal would turn the filter off for good; ids past it go in another request.
 */
const MAX_ID_QUERY_CHARS = 1_800;

/** `ids` in groups whose `SessionId=…&` parameters stay within MAX_ID_QUERY_CHARS. */
export function* idsPerQuery(ids: readonly number[]): Generator<number[]> {
  let chunk: number[] = [];
  let chars = 0;
  for (const id of ids) {
    const param = `SessionId=${id}&`.length;
    if (chunk.length && chars + param > MAX_ID_QUERY_CHARS) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(id);
    chars += param;
  }
  if (chunk.length) yield chunk;
}

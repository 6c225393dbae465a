/**
 * One list page, read from the answer's stream (list-items-splitter.ts): the items as parsed JSON,
 * each with its own scan for text Postgres refuses, and an item over the item bound as its size,
 * first KB and id only. Never holds the page's text; holds the page's items, as any page did.
 */
import { jsonTextMayNeedSanitizing } from '../transform/sanitize-text.js';
import { ListItemsSplitter, ListShapeError, type SplitItem } from './list-items-splitter.js';
import type { ListedSession } from './session-pages.js';

export async function readListPage(body: AsyncIterable<Buffer>, maxItemBytes: number): Promise<ListedSession[]> {
  const items: ListedSession[] = [];
  const splitter = new ListItemsSplitter(maxItemBytes, (item) => items.push(listed(item, items.length)));
  for await (const chunk of body) splitter.push(chunk);
  splitter.end();
  return items;
}

function listed(item: SplitItem, index: number): ListedSession {
  if (item.kind === 'oversized') {
    const { bytes, head, id } = item;
    return { payload: undefined, oversized: { bytes, head }, ...(id === undefined ? {} : { id }) };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(item.text);
  } catch {
    // V8's message quotes the text: it may hold personal data, so it is not repeated.
    throw new ListShapeError(`is not JSON (its item ${index + 1} cannot be parsed)`);
  }
  // Scanned per item: the transform walks only the items whose text may hold a NUL or a lone surrogate.
  return { payload, textChecked: !jsonTextMayNeedSanitizing(item.text) };
}

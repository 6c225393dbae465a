/**
 * `deepNesting`: JSON nested deeper than JSON.stringify can write (it recurses, and overflows the
 * stack near 4,400 levels). A payload carries a marker string instead; the response writer swaps
 * each marker in the JSON text for arrays nested that deep with a U+0000 string at the bottom.
 */
const MARK = '\u0001deep-json:';
/** The marker as JSON.stringify writes it (U+0001 escaped). */
const WRITTEN = /"\\u0001deep-json:(\d+)"/g;

export function deepJsonMarker(depth: number): string {
  return `${MARK}${depth}`;
}

/** `text` with every marker replaced by its nested arrays; the text itself when it holds none. */
export function expandDeepJson(text: string): string {
  if (!text.includes('\\u0001deep-json:')) return text;
  return text.replace(WRITTEN, (_, depth: string) => `${'['.repeat(Number(depth))}"\\u0000"${']'.repeat(Number(depth))}`);
}

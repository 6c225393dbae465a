/**
 * A JSON answer read from its stream up to a bound: a session detail or routing history larger
 * than MLUVII_MAX_ITEM_BYTES is drained without being held (a body over 512 MB could not even
 * become one string), and the session is set aside instead of failing its window every night.
 */
import { jsonTextMayNeedSanitizing } from '../transform/sanitize-text.js';
import { ListShapeError } from './list-items-splitter.js';

/** A body over the bound: its size, and what it was. */
export class OversizedBodyError extends Error {
  override name = 'OversizedBodyError';
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${what} is ${bytes} bytes or more, more than MLUVII_MAX_ITEM_BYTES (${maxBytes})`);
  }
}

/** The parsed body and whether its text is free of what Postgres refuses; or a body over the bound. */
export type BoundedJson = { value: unknown; textChecked: boolean } | { oversizedBytes: number };

export async function readBoundedJson(body: AsyncIterable<Buffer>, maxBytes: number): Promise<BoundedJson> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    // Past the bound nothing more is kept; the rest is read only to its end (so the connection is reused).
    if (bytes <= maxBytes) chunks.push(chunk);
    else chunks.length = 0;
  }
  if (bytes > maxBytes) return { oversizedBytes: bytes };
  const text = Buffer.concat(chunks).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not retried, and V8's message (which quotes the text, maybe personal data) is not repeated.
    throw new ListShapeError(`is not JSON (${bytes} bytes)`);
  }
  return { value, textChecked: !jsonTextMayNeedSanitizing(text) };
}

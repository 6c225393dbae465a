/**
 * Shapes of untrusted JSON, shared by the API client (list answers) and the transform (payload
 * fields). Pure: no I/O.
 */

export type JsonRecord = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id-like integer, or undefined; ids are .NET longs but far below 2^53. */
export function safeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** The `id` of a payload, when it is an object with a safe-integer `id`. */
export const payloadId = (payload: unknown): number | undefined => (isRecord(payload) ? safeInteger(payload.id) : undefined);

/**
 * The array a list answer holds: the body itself when it is an array (what the API sends), else
 * the array under one of `preferredKeys`, else the only array-valued property of an object (a
 * proxy or a future version may wrap it). undefined for anything else, including an object with
 * several arrays and none preferred.
 */
export function wrappedArray(body: unknown, preferredKeys: readonly string[] = []): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return undefined;
  for (const key of preferredKeys) {
    const value = body[key];
    if (Array.isArray(value)) return value;
  }
  let found: unknown[] | undefined;
  let count = 0;
  for (const key in body) {
    const value = body[key];
    if (Array.isArray(value)) {
      found = value;
      count++;
    }
  }
  return count === 1 ? found : undefined;
}

/** The `campaignId` of a session payload, when it is a number. */
export const payloadCampaignId = (payload: unknown): number | undefined => {
  const id = isRecord(payload) ? payload.campaignId : undefined;
  return typeof id === 'number' ? id : undefined;
};

/**
 * How deep arrays and objects may nest in a payload the warehouse stores. A session is 5 levels
 * deep; JSON.stringify (recursive in V8) overflows the stack beyond ~4,400 levels, and Postgres
 * refuses jsonb deeper than its max_stack_depth allows (~500 levels at its 100 kB minimum, ~10,000
 * at the 2 MB default). Anything deeper is set aside before any recursive code touches it.
 */
export const MAX_JSON_DEPTH = 256;

/** Whether arrays and objects nest more than `max` levels in `value`. Iterative: any depth is safe. */
export function jsonDepthExceeds(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max < 1) return true;
  // Two parallel stacks (containers, their depth) and for-in: the cheapest walk measured in V8.
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child === null || typeof child !== 'object') continue;
        if (depth >= max) return true;
        stack.push(child);
        depths.push(depth + 1);
      }
    } else {
      for (const key in v) {
        const child = v[key];
        if (child === null || typeof child !== 'object') continue;
        if (depth >= max) return true;
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

type HeadFrame = { array: unknown[]; i: number } | { object: Record<string, unknown>; keys: string[]; i: number };

/**
 * The first `maxChars` characters of `value`'s JSON text (all of it when shorter: then equal to
 * JSON.stringify), written without recursion, so any nesting depth is safe; work and memory grow
 * with `maxChars`, not with the value.
 */
export function jsonHead(value: unknown, maxChars: number): string {
  const parts: string[] = [];
  let length = 0;
  const emit = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const stack: HeadFrame[] = [];
  let next: unknown = value;
  let pending = true;
  while (length < maxChars) {
    if (pending) {
      pending = false;
      if (Array.isArray(next)) {
        emit('[');
        stack.push({ array: next, i: 0 });
      } else if (next !== null && typeof next === 'object') {
        emit('{');
        stack.push({ object: next as Record<string, unknown>, keys: Object.keys(next), i: 0 });
      } else {
        emit(JSON.stringify(typeof next === 'string' && next.length > maxChars ? next.slice(0, maxChars) : next) ?? 'null');
      }
      continue;
    }
    const frame = stack.at(-1);
    if (frame === undefined) break;
    if ('array' in frame) {
      if (frame.i >= frame.array.length) {
        emit(']');
        stack.pop();
        continue;
      }
      if (frame.i > 0) emit(',');
      next = frame.array[frame.i++];
    } else {
      // Members JSON.stringify leaves out (undefined, functions) cannot come from parsed JSON.
      if (frame.i >= frame.keys.length) {
        emit('}');
        stack.pop();
        continue;
      }
      if (frame.i > 0) emit(',');
      const key = frame.keys[frame.i++];
      emit(`${JSON.stringify(key)}:`);
      next = frame.object[key];
    }
    pending = true;
  }
  const text = parts.join('');
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

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

/**
 * What mluvii POSTs to a webhook callback, read as untrusted JSON: the envelope
 * `{"eventType": "SessionEnded", "data": {"id": 4711, ...}}` (docs/webhooks.md). An event is
 * known when its type is one of the session events below and its data names the session by a
 * positive whole id; everything else is refused. Pure: text in, event or reason out.
 */

/** The event types `webhooks register` asks mluvii for: each means a session may have changed in a way a nightly load would see. */
export const REGISTERED_EVENT_TYPES = ['SessionEnded', 'SessionOperatorConcluded', 'SessionRecordingPostProcessingCompleted'] as const;

/** Session events `serve` accepts (the registered ones, and the other session events a registration made by hand may add). */
export const KNOWN_EVENT_TYPES = [
  'SessionCreated', 'SessionStarted', 'SessionEnded', 'SessionForwarded', 'SessionOperatorJoined', 'SessionOperatorLeft',
  'SessionOperatorConcluded', 'SessionCallParamsUpdated', 'SessionRecordingPostProcessingCompleted',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];
const KNOWN = new Set<string>(KNOWN_EVENT_TYPES);

/** One accepted event: which session it names, and what happened to it. */
export interface WebhookEvent {
  eventType: KnownEventType;
  sessionId: number;
}

/** The path of a tenant's callback; the secret is its last segment. */
export function callbackPath(tenant: string, secret: string): string {
  return `/webhooks/mluvii/${encodeURIComponent(tenant)}/${encodeURIComponent(secret)}`;
}

/** The callback URL mluvii is given: serve's public address (which may carry a path prefix) + callbackPath. */
export function callbackUrl(publicUrl: string, tenant: string, secret: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${callbackPath(tenant, secret)}`;
}

/** A callback URL with its secret hidden, for output and logs. */
export function redactCallbackUrl(url: string): string {
  return url.replace(/(\/webhooks\/mluvii\/[^/?#]+\/)[^/?#]+/, '$1***');
}

/** The event in a body, or why it is none (said to the caller in the 400, never logged with the body). */
export function parseWebhookEvent(text: string): { event: WebhookEvent } | { problem: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { problem: 'the body is not a JSON object' };
  const { eventType, data } = body as { eventType?: unknown; data?: unknown };
  if (typeof eventType !== 'string') return { problem: 'the body has no eventType' };
  if (!KNOWN.has(eventType)) return { problem: `eventType ${JSON.stringify(eventType.slice(0, 60))} is not a session event this server knows (${KNOWN_EVENT_TYPES.join(', ')})` };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { problem: 'the body has no data object' };
  const id = (data as { id?: unknown }).id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return { problem: 'data.id is not a session id (a positive whole number)' };
  return { event: { eventType: eventType as KnownEventType, sessionId: id } };
}

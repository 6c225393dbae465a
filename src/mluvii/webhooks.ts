/**
 * mluvii's webhook registry (`/api/v1/Webhooks`): which callback URL gets which event types.
 * Registering a URL that is registered already answers 409 with the existing id as an integer
 * body; that id is then edited with PUT. Answers are read leniently (either casing of the
 * fields), since the registry's answer model is only known from its request model.
 */
import { MluviiApiError } from './errors.js';
import { NOT_FOUND, type Transport } from './transport.js';

const PATH = '/api/v1/Webhooks';

export interface RegisteredWebhook {
  id: number;
  eventTypes: string[];
  callbackUrl: string;
}

/** What a registration did: created anew, or found (409) and edited to these event types. */
export type Registration = { outcome: 'created'; id: number | undefined } | { outcome: 'updated'; id: number };

function field(item: Record<string, unknown>, name: string): unknown {
  return Object.entries(item).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

function payloadError(endpoint: string, status: number, what: string): MluviiApiError {
  return new MluviiApiError(`${endpoint} answered HTTP ${status} with ${what}`, { endpoint, status, attempts: 1, kind: 'payload' });
}

export async function listWebhooks(transport: Transport): Promise<RegisteredWebhook[]> {
  const answer = await transport.send('GET', PATH, undefined);
  if (answer === NOT_FOUND) throw notFound('GET');
  const body = answer.body;
  if (!Array.isArray(body)) throw payloadError(`GET ${PATH}`, answer.status, 'a body that is not a JSON array of webhooks');
  return body
    .filter((h): h is Record<string, unknown> => h !== null && typeof h === 'object' && !Array.isArray(h))
    .map((h) => {
      const types = field(h, 'eventTypes');
      return { id: Number(field(h, 'id')), eventTypes: Array.isArray(types) ? types.map(String) : [], callbackUrl: String(field(h, 'callbackUrl') ?? '') };
    });
}

/** POSTs the callback; on 409 (the URL is registered already) PUTs these event types onto the existing id. */
export async function registerWebhook(transport: Transport, eventTypes: readonly string[], callbackUrl: string): Promise<Registration> {
  const model = { EventTypes: eventTypes, CallbackUrl: callbackUrl };
  const created = await transport.send('POST', PATH, model, [409]);
  if (created === NOT_FOUND) throw notFound('POST');
  if (created.status !== 409) return { outcome: 'created', id: typeof created.body === 'number' ? created.body : undefined };
  const id = Number(created.body);
  if (!Number.isSafeInteger(id) || id < 0) throw payloadError(`POST ${PATH}`, 409, `a body that is not the existing webhook's id (${JSON.stringify(created.body)?.slice(0, 80)})`);
  const updated = await transport.send('PUT', `${PATH}/${id}`, model);
  if (updated === NOT_FOUND) throw payloadError(`PUT ${PATH}/${id}`, 404, 'no such webhook, though POST named it as the existing one');
  return { outcome: 'updated', id };
}

function notFound(method: string): MluviiApiError {
  return new MluviiApiError(`${method} ${PATH} answered HTTP 404: is MLUVII_BASE_URL the mluvii host, and may the API user manage webhooks?`, {
    endpoint: `${method} ${PATH}`,
    status: 404,
    attempts: 1,
    kind: 'http',
  });
}

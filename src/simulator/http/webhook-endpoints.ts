/**
 * `/api/v1/Webhooks`: register (POST; the same URL again is 409 with the existing id as an
 * integer body), list (GET), edit (PUT /{id}) and remove (DELETE /{id}) callbacks, as mluvii's
 * API does. Validation errors answer 400 with ASP.NET's problem shape.
 */
import type { IncomingMessage } from 'node:http';
import { readWebhookInput, webhookModel } from '../webhooks/registry.js';
import type { Call, Handler, ServerContext } from './server-context.js';

const MAX_BODY_BYTES = 65_536;

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    parts.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

function invalid(ctx: ServerContext, call: Call, errors: Record<string, string[]>): void {
  ctx.send(call.res, call.endpoint, 400, { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.1', title: 'One or more validation errors occurred.', status: 400, errors });
}

export const listWebhooks: Handler = (ctx, call) => ctx.send(call.res, call.endpoint, 200, ctx.webhooks.list().map(webhookModel));

export const getWebhook: Handler = (ctx, call) => {
  const hook = ctx.webhooks.get(Number(call.params.id));
  return hook ? ctx.send(call.res, call.endpoint, 200, webhookModel(hook)) : ctx.send(call.res, call.endpoint, 404, undefined);
};

export const addWebhook: Handler = async (ctx, call) => {
  const input = readWebhookInput(await jsonBody(call.req));
  if ('errors' in input) return invalid(ctx, call, input.errors);
  const added = ctx.webhooks.add(input, call.now / 1000);
  if ('conflict' in added) return ctx.send(call.res, call.endpoint, 409, added.conflict);
  ctx.send(call.res, call.endpoint, 200, added.created.id);
};

export const editWebhook: Handler = async (ctx, call) => {
  const input = readWebhookInput(await jsonBody(call.req));
  if ('errors' in input) return invalid(ctx, call, input.errors);
  const outcome = ctx.webhooks.update(Number(call.params.id), input);
  if (outcome === 'not-found') return ctx.send(call.res, call.endpoint, 404, undefined);
  if (outcome === 'conflict') return invalid(ctx, call, { CallbackUrl: ['Another webhook has this CallbackUrl.'] });
  ctx.send(call.res, call.endpoint, 200, undefined);
};

export const removeWebhook: Handler = (ctx, call) => {
  const removed = ctx.webhooks.remove(Number(call.params.id));
  ctx.send(call.res, call.endpoint, removed ? 200 : 404, undefined);
};

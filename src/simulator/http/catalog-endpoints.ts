/** Campaigns and users (from ../catalog.ts), with the switches that make them unreadable. */
import type { UserModel } from '../../mluvii/types.js';
import { campaignModel, userModels } from '../catalog.js';
import { NUL_NAME_USER_ID, type Misbehaviour } from '../misbehaviour.js';
import { SERVICE_UNAVAILABLE_PAGE } from './response.js';
import type { Call, ServerContext } from './server-context.js';

const DENIED = { message: 'Authorization has been denied for this request.' };

export function campaign(ctx: ServerContext, { res, params }: Call): void {
  const id = Number(params.id);
  const failure = ctx.misbehaviour.campaignAnswers?.[id];
  if (failure === 'timeout') return ctx.stats.count('campaign', 'hang'); // never answered: the client's timeout ends it
  if (failure === 'not-a-campaign') return ctx.send(res, 'campaign', 200, { status: 'ok', items: [] });
  if (failure === 403) return ctx.send(res, 'campaign', 403, DENIED);
  if (failure === 404) return ctx.send(res, 'campaign', 404, 'Campaign not found.', { 'content-type': 'text/plain' });
  if (failure !== undefined) return ctx.send(res, 'campaign', failure, SERVICE_UNAVAILABLE_PAGE, { 'content-type': 'text/html' });
  const c = campaignModel(id);
  return c ? ctx.send(res, 'campaign', 200, c) : ctx.send(res, 'campaign', 404, 'Campaign not found.', { 'content-type': 'text/plain' });
}

export function users(ctx: ServerContext, { res }: Call): void {
  const failure = ctx.misbehaviour.usersAnswer;
  if (failure === 'garbage') return ctx.send(res, 'users', 200, '[{"id":4,"firstName":"Pe', { 'content-type': 'application/json; charset=utf-8' });
  if (failure === 403) return ctx.send(res, 'users', 403, DENIED);
  if (failure === 404) return ctx.send(res, 'users', 404, undefined);
  if (failure !== undefined) return ctx.send(res, 'users', failure, { message: 'An error has occurred.' });
  ctx.send(res, 'users', 200, usersNow(ctx.misbehaviour));
}

export function user(ctx: ServerContext, { res, params }: Call): void {
  const id = Number(params.id);
  const u = usersNow(ctx.misbehaviour).find((x) => x.id === id);
  return u ? ctx.send(res, 'user', 200, u) : ctx.send(res, 'user', 404, 'User not found.', { 'content-type': 'text/plain' });
}

/** The users as `GET /Users` lists them now (`usersNulName` spoils one name). */
function usersNow(m: Misbehaviour): UserModel[] {
  const list = userModels();
  if (m.usersNulName) {
    const u = list.find((x) => x.id === NUL_NAME_USER_ID);
    if (u) u.firstName = `${u.firstName ?? ''}\u0000`;
  }
  return list;
}

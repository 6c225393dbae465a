/**
 * `GET /api/v1/Sessions?Anonymized.Min=…&Anonymized.Max=…`: the sessions mluvii anonymized in that
 * range (automatically some days after creation, or on request: ../anonymization.ts), in the order
 * they were anonymized, paged by `limit`/`offset` like any list. With `Created.Min/Max` too, only
 * those created then. Misbehaviour `anonymizedFilter` makes the filter refused (400, 403) or
 * ignored (the last day's sessions are listed, anonymized or not).
 */
import type { ServerResponse } from 'node:http';
import type { SessionDraft } from '../contact-center/session-draft.js';
import type { ListQuery } from './list-query.js';
import type { ServerContext } from './server-context.js';
import { showSession } from './session-views.js';

const DAY_MS = 86_400_000;

export function listAnonymized(ctx: ServerContext, q: ListQuery, res: ServerResponse, now: number): void {
  const answer = ctx.misbehaviour.anonymizedFilter;
  if (answer === 400) return ctx.send(res, 'sessions', 400, { 'Anonymized.Min': "The query parameter 'Anonymized.Min' is not supported.", 'Anonymized.Max': "The query parameter 'Anonymized.Max' is not supported." });
  if (answer === 403) return ctx.send(res, 'sessions', 403, { message: 'The API user may not list sessions by anonymization.' });
  let drafts: SessionDraft[];
  if (answer === 'ignored' || !q.anonymized) {
    const nowMs = Math.floor(now / 1000);
    drafts = ctx.sessions.listing(nowMs - DAY_MS, nowMs, now, 0, undefined).map((e) => e.draft);
  } else drafts = anonymizedIn(ctx, q.anonymized, q.from !== undefined && q.to !== undefined ? { from: q.from, to: q.to } : undefined, now);
  if (q.from !== undefined && q.to !== undefined) {
    const [fromUs, toUs] = [q.from * 1000, q.to * 1000];
    drafts = drafts.filter((d) => d.created >= fromUs && d.created < toUs);
  }
  const cap = ctx.misbehaviour.pageSizeCap;
  const size = cap !== undefined && cap > 0 ? Math.min(q.limit, cap) : q.limit;
  ctx.send(res, 'sessions', 200, drafts.slice(q.offset, q.offset + size).map((d) => showSession(ctx, d, now, 'list').session));
}

/** The last answer, for the next page of the same question (a sweep pages through thousands of sessions). */
const lastAnswer = new WeakMap<ServerContext, { key: string; drafts: SessionDraft[] }>();

/** Sessions anonymized in [from, to) (ms) by `now` (µs), in the order they were; of those created in `created` (ms) when given. */
function anonymizedIn(ctx: ServerContext, range: { from: number; to: number }, created: { from: number; to: number } | undefined, now: number): SessionDraft[] {
  const key = JSON.stringify([range, created, now, ctx.anonymizer.afterDays, ctx.anonymizer.requestedIn(-Infinity, Infinity).length]);
  const last = lastAnswer.get(ctx);
  if (last?.key === key) return last.drafts;
  const drafts = computeAnonymizedIn(ctx, range, created, now);
  lastAnswer.set(ctx, { key, drafts });
  return drafts;
}

function computeAnonymizedIn(ctx: ServerContext, range: { from: number; to: number }, created: { from: number; to: number } | undefined, now: number): SessionDraft[] {
  const [fromUs, toUs] = [range.from * 1000, Math.min(range.to * 1000, now + 1)];
  const found = new Map<number, { draft: SessionDraft; at: number }>();
  const consider = (d: SessionDraft | undefined) => {
    const at = d && ctx.anonymizer.anonymizedAt(d);
    if (d && at !== undefined && at >= fromUs && at < toUs) found.set(d.id, { draft: d, at });
  };
  for (const id of ctx.anonymizer.requestedIn(fromUs, toUs)) consider(ctx.sessions.find(id, now));
  const days = ctx.anonymizer.afterDays;
  if (days !== undefined && toUs > fromUs) {
    // Anonymized automatically in the range: created `days` before it.
    const from = Math.max(range.from - days * DAY_MS, created?.from ?? -Infinity);
    const to = Math.min(Math.ceil(toUs / 1000) - days * DAY_MS, created?.to ?? Infinity);
    if (to > from) for (const e of ctx.sessions.listing(from, to, now, 0, undefined)) consider(e.draft);
  }
  return [...found.values()].sort((a, b) => a.at - b.at || a.draft.id - b.draft.id).map((e) => e.draft);
}

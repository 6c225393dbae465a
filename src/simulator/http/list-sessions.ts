/**
 * `GET /api/v1/Sessions`: `Created.Min/Max` + `limit`/`offset` paging over a bare JSON array
 * ordered by `created`, set filters, and the list's misbehaviours (malformed and duplicate items,
 * capped pages, an outage for a range, endless pages, an order that changes per call, a 400
 * that echoes the token, a `SessionId` filter refused or ignored). The `Anonymized` filter is
 * list-anonymized.ts's.
 */
import { indexOfSessionId } from '../contact-center/hour-bucket.js';
import { mixSeed, Rng } from '../random.js';
import { listAnonymized } from './list-anonymized.js';
import { parseListQuery, type ListQuery } from './list-query.js';
import type { Call, ServerContext } from './server-context.js';
import type { ListEntry } from './session-store.js';
import { showListEntry, showSession } from './session-views.js';

/** `endlessPages`: the n-th pass over a window shows its sessions again with ids n × this higher. */
const ENDLESS_ID_STEP = 1e12;
const DAY_MS = 86_400_000;

export function listSessions(ctx: ServerContext, { req, res, url, now }: Call): void {
  const m = ctx.misbehaviour;
  if (m.echoTokenOn400) {
    // As some gateways do: the token in the header AND bare in the message.
    const bare = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    return ctx.send(res, 'sessions', 400, {
      message: `The request is invalid for token ${bare}.`,
      request: { path: url.pathname, authorization: req.headers.authorization ?? null },
    });
  }
  const parsed = parseListQuery(url);
  if ('errors' in parsed) return ctx.send(res, 'sessions', 400, parsed.errors);
  let q = parsed.query;
  if (q.asksAnonymized) return listAnonymized(ctx, q, res, now);
  if (q.ids.length && m.sessionIdFilter !== undefined) {
    const answer = m.sessionIdFilter;
    if (answer === 400) return ctx.send(res, 'sessions', 400, { SessionId: "The query parameter 'SessionId' is not supported." });
    if (answer === 403) return ctx.send(res, 'sessions', 403, { message: 'The API user may not list sessions by id.' });
    // Ignored: what the list shows without the filter, the day before now.
    const nowMs = Math.floor(now / 1000);
    q = { ...q, ids: [], from: q.from ?? nowMs - DAY_MS, to: q.to ?? nowMs };
  }
  const { from, to, offset } = q;
  const broken = m.brokenRange;
  if (broken && from !== undefined && to !== undefined && from < broken.to.getTime() && to > broken.from.getTime()) {
    return ctx.send(res, 'sessions', 503, { error: 'simulated outage for this range' });
  }
  const filtered = Boolean(q.status || q.channel || q.source || q.departments || q.ids.length);
  const entries = listedEntries(ctx, q, now, filtered ? 0 : (m.malformedRate ?? 0));
  const cap = m.pageSizeCap;
  const size = cap !== undefined && cap > 0 ? Math.min(q.limit, cap) : q.limit;
  ctx.listCalls += 1;
  if (m.unstableOrder) {
    const r = new Rng(mixSeed(ctx.seed, 0x0dd, ctx.listCalls));
    for (let i = entries.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
  }
  let page: unknown[];
  if (m.endlessPages && entries.length > 0) {
    // Past the end it keeps going: full pages, cycling through the window with ids never seen before (or none), forever.
    page = Array.from({ length: size }, (_, i) => {
      const round = Math.floor((offset + i) / entries.length);
      const item = showListEntry(ctx, entries[(offset + i) % entries.length], now);
      if (round === 0 || !item || typeof item !== 'object') return item;
      if (m.endlessPages === 'without-ids') {
        const { id: _id, ...rest } = item as { id?: unknown };
        return rest;
      }
      return { ...item, id: Number((item as { id?: unknown }).id) + round * ENDLESS_ID_STEP };
    });
  } else if (!filtered) {
    // Only the page is rendered: a long window is paged many times.
    page = entries.slice(offset, offset + size).map((e) => showListEntry(ctx, e, now));
  } else {
    const kept = entries.map((e) => showSession(ctx, e.draft, now, 'list').session).filter((s) => {
      if (q.ids.length && !q.ids.includes(Number(s.id))) return false;
      if (q.status && !q.status.includes(String(s.status).toLowerCase())) return false;
      if (q.channel && !q.channel.includes(String(s.channel).toLowerCase())) return false;
      if (q.source && !q.source.includes(String(s.source).toLowerCase())) return false;
      if (q.departments && !q.departments.includes(Number(s.departmentId))) return false;
      return true;
    });
    page = kept.slice(offset, offset + size);
  }
  ctx.send(res, 'sessions', 200, page);
}

/** The window's entries, or without a window the sessions asked for by id, in id order. */
function listedEntries(ctx: ServerContext, q: ListQuery, now: number, malformedRate: number): ListEntry[] {
  if (q.from !== undefined && q.to !== undefined) return ctx.sessions.listing(q.from, q.to, now, malformedRate, ctx.misbehaviour.duplicateRate);
  const entries: ListEntry[] = [];
  for (const id of [...new Set(q.ids)].sort((a, b) => a - b)) {
    const d = ctx.sessions.find(id, now);
    if (d) entries.push({ draft: d, index: indexOfSessionId(id) });
  }
  return entries;
}

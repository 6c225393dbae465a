/**
 * A session as this server shows it at `now`: rendered from its draft, spoiled by the per-session
 * misbehaviour switches, with recordings and shared files pointing at this server.
 */
import { wipeAnonymized } from '../anonymization.js';
import { renderSession, type SimulatedSession } from '../contact-center/render-session.js';
import type { SessionDraft } from '../contact-center/session-draft.js';
import { malformedIdOf, renderMalformed } from '../malformed-items.js';
import { picks } from '../misbehaviour.js';
import { plantPersonalMarkers } from '../personal-markers.js';
import { spoilSession } from '../spoil-session.js';
import type { ServerContext } from './server-context.js';
import type { ListEntry } from './session-store.js';

/**
 * `view`: a list item or `GET /Sessions/{id}` (only list items are thinned). A session mluvii
 * anonymized by `now` is shown wiped (../anonymization.ts).
 */
export function showSession(ctx: ServerContext, d: SessionDraft, now: number, view: 'list' | 'detail'): SimulatedSession {
  const s = spoilSession(ctx.seed, ctx.misbehaviour, renderSession(d, now), view);
  ctx.files?.decorate(s.session, ctx.selfUrl, view);
  if (picks(ctx.seed, d.id, 'markers', ctx.misbehaviour.personalMarkers)) plantPersonalMarkers(s.session, s.routingHistory);
  const anonymized = ctx.anonymizer.anonymizedAt(d);
  if (anonymized !== undefined && anonymized <= now) wipeAnonymized(s.session, s.routingHistory, ctx.misbehaviour.anonymizationDropsTimes === true);
  return s;
}

/** A list item: the session, or the malformed item listed after it. */
export function showListEntry(ctx: ServerContext, e: ListEntry, now: number): unknown {
  if (!e.malformed) return showSession(ctx, e.draft, now, 'list').session;
  return renderMalformed(e.malformed, e.draft, now, malformedIdOf(e.draft, e.index));
}

/** The routing-history switches: 404 or 503 for a fixed share of sessions. */
export function routingFailure(ctx: ServerContext, id: number): 404 | 503 | undefined {
  if (picks(ctx.seed, id, 'routing404', ctx.misbehaviour.routingNotFoundRate)) return 404;
  if (picks(ctx.seed, id, 'routing503', ctx.misbehaviour.routingServerErrorRate)) return 503;
  return undefined;
}

import { markCompletionGivenUp } from '../load/raw-sessions.js';
import { completionOf, doneWindowsHolding, payloadsChangedSinceStored, pendingIncompleteSessions } from '../load/stored-sessions.js';
import type { ListedSession } from '../mluvii/client.js';
import { sanitizeJson } from '../transform/sanitize-text.js';
import { jsonDepthExceeds, payloadId, payloadCampaignId } from '../util/json.js';
import { inLoadUnit } from './load-unit.js';
import { loadSessionIds } from './load-session-ids.js';
import { withRoutingHistories } from './session-details.js';
import type { UnitContext, UnitOutcome } from './unit-types.js';

type Totals = { refetched: number; completed: number; givenUp: number; sessionsChanged: number; rejects: number };

/**
 * M-DONE: sessions loaded while still running are fetched again by id until they complete; once
 * older than ETL_INCOMPLETE_MAX_AGE they are kept as they are with the never_completed flag.
 * A complete session whose recordings are still being processed is fetched again too (within
 * the same age), or its files would never get the address they are downloaded from.
 * A unit of its own (a job on the workers).
 */
export async function refetchIncompleteSessions(
  ctx: UnitContext,
  /** `fetchedFrom`: sessions created from then on were fetched by this very run (its windows): not again. */
  opts: { now: Date; maxAgeMs: number; fetchedFrom?: Date },
): Promise<UnitOutcome> {
  const batchSize = ctx.tenant.config.mluviiPageSize;
  const giveUpBefore = new Date(opts.now.getTime() - opts.maxAgeMs);
  let pending = await pendingIncompleteSessions(ctx.knex, opts.fetchedFrom, giveUpBefore);
  const totals: Totals = { refetched: 0, completed: 0, givenUp: 0, sessionsChanged: 0, rejects: 0 };
  const relisted = await relistDenseWindows(ctx, pending.filter((p) => p.created_at >= giveUpBefore), totals);
  if (relisted.size) pending = pending.filter((p) => !relisted.has(Number(p.session_id)));

  for (let i = 0; i < pending.length; i += batchSize) {
    ctx.signal?.throwIfAborted();
    const slice = pending.slice(i, i + batchSize);
    // Too old and still running: transformed once, with never_completed (the transform adds the
    // flag only when the session is in fact incomplete); one the API no longer knows (404) keeps
    // its last stored version until then.
    const tooOld = new Set(slice.filter((p) => p.created_at < giveUpBefore).map((p) => p.session_id));
    const r = await loadSessionIds(ctx, slice.map((p) => p.session_id), {
      neverCompleted: tooOld,
      storedIfMissing: tooOld,
      afterLoad: async (unit, loaded) => {
        const complete = await completionOf(unit.trx, loaded);
        const givenUp = [...complete].filter(([id, isComplete]) => !isComplete && tooOld.has(id)).map(([id]) => id);
        await markCompletionGivenUp(unit.trx, givenUp);
        totals.givenUp += givenUp.length;
        totals.completed += [...complete.values()].filter(Boolean).length;
      },
    });
    totals.refetched += r.loaded.length;
    totals.sessionsChanged += r.totals.sessionsChanged;
    totals.rejects += r.totals.rejects;
  }
  ctx.logger.info({ pending: pending.length, refetched: totals.refetched, completed: totals.completed, givenUp: totals.givenUp }, 'incomplete sessions re-fetched');
  return { kind: 'refetch', counts: { sessionsSeen: totals.refetched, sessionsChanged: totals.sessionsChanged, rejects: totals.rejects }, failures: [] };
}

/**
 * Where incomplete sessions are dense, listing their window again costs fewer requests than
 * fetching each one by id (a page holds MLUVII_PAGE_SIZE sessions; by id it is two requests a
 * session): the window is listed, and only the sessions whose list item changed since it was
 * stored get their routing history (and, for a thin item, their detail) fetched. Returns the ids
 * it dealt with; the others (not listed any more, or in sparse windows) are fetched by id.
 */
async function relistDenseWindows(ctx: UnitContext, pending: Array<{ session_id: number; created_at: Date }>, totals: Totals): Promise<Set<number>> {
  const done = new Set<number>();
  if (pending.length === 0) return done;
  const { knex, campaigns } = ctx;
  const batchSize = ctx.tenant.config.mluviiPageSize;
  for (const w of await doneWindowsHolding(knex, pending)) {
    ctx.signal?.throwIfAborted();
    const ids = new Set(w.ids);
    // Pages to list the window (the empty page that ends it, and the one request past its session
    // bound) against one detail request per pending session.
    if (Math.ceil(w.storedSessions / batchSize) + 2 >= ids.size) continue;
    const client = ctx.client();
    const listed = new Map<number, ListedSession>();
    for await (const item of client.listSessions({ from: w.from, to: w.to })) {
      const id = payloadId(item.payload);
      if (id !== undefined && ids.has(id)) listed.set(id, item);
    }
    if (listed.size === 0) continue;
    // Unchanged list items: nothing new to fetch (the session is still running; the next run looks again).
    // As stored: with the characters Postgres refuses replaced (a NUL in a list item).
    // A payload too deep to store is not compared: it counts as changed, and the transform sets it aside.
    const comparable = [...listed.values()].filter((i) => !jsonDepthExceeds(i.payload));
    const changedIds = await payloadsChangedSinceStored(knex, comparable.map((i) => sanitizeJson(i.payload).value));
    const changed = [...listed].filter(([id, item]) => changedIds.has(id) || jsonDepthExceeds(item.payload)).map(([, item]) => item);
    for (let i = 0; i < changed.length; i += batchSize) {
      const slice = changed.slice(i, i + batchSize);
      const sessions = await withRoutingHistories(client, slice);
      await campaigns.ensure(sessions.map((x) => payloadCampaignId(x.payload)).filter((id): id is number => id !== undefined), client, knex);
      const listedFor = { from: w.from, to: w.to };
      const { totals: t } = await inLoadUnit({ knex }, { hours: [listedFor] }, async (unit) => {
        await unit.load(sessions, { campaignMode: campaigns.lookup, writeRaw: true, rejectContext: { runId: ctx.runId, window: listedFor }, listedFor });
        const complete = await completionOf(unit.trx, slice.map((x) => payloadId(x.payload) ?? 0));
        totals.completed += [...complete.values()].filter(Boolean).length;
      });
      totals.sessionsChanged += t.sessionsChanged;
      totals.rejects += t.rejects;
    }
    for (const id of listed.keys()) done.add(id);
    totals.refetched += listed.size;
  }
  return done;
}

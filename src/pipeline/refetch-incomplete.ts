import { markCompletionGivenUp } from '../load/raw-sessions.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { completionOf, doneWindowsHolding, payloadsChangedSinceStored, pendingIncompleteSessions, storedRawSessions } from '../load/stored-sessions.js';
import { inTransaction } from '../load/transaction.js';
import { OversizedBodyError } from '../mluvii/bounded-body.js';
import type { BodyMeta, ListedSession } from '../mluvii/client.js';
import { routingUnavailable } from '../transform/index.js';
import { sanitizeJson } from '../transform/sanitize-text.js';
import { jsonDepthExceeds, payloadId, payloadCampaignId } from '../util/json.js';
import type { LoadDeps } from './load-deps.js';
import { withRoutingHistories } from './session-details.js';
import { transformAndLoad, type ExtractedSession } from './transform-and-load.js';

/**
 * M-DONE: sessions loaded while still running are fetched again by id until they complete; once
 * older than ETL_INCOMPLETE_MAX_AGE they are kept as they are with the never_completed flag.
 * A complete session whose recordings are still being processed is fetched again too (within
 * the same age), or its files would never get the address they are downloaded from.
 */
export async function refetchIncompleteSessions(
  deps: LoadDeps & { batchSize: number },
  /** `fetchedFrom`: sessions created from then on were fetched by this very run (its windows): not again. */
  opts: { now: Date; maxAgeMs: number; fetchedFrom?: Date },
): Promise<void> {
  const { knex, client, campaigns } = deps;
  const giveUpBefore = new Date(opts.now.getTime() - opts.maxAgeMs);
  let pending = await pendingIncompleteSessions(knex, opts.fetchedFrom, giveUpBefore);
  const totals = { refetched: 0, completed: 0, givenUp: 0 };
  const relisted = await relistDenseWindows(deps, pending.filter((p) => p.created_at >= giveUpBefore), totals);
  if (relisted.size) pending = pending.filter((p) => !relisted.has(Number(p.session_id)));

  for (let i = 0; i < pending.length; i += deps.batchSize) {
    const slice = pending.slice(i, i + deps.batchSize);
    const fetched = await Promise.all(
      slice.map(async ({ session_id, created_at }) => {
        const payloadMeta: BodyMeta = {};
        const routingMeta: BodyMeta = {};
        const [payload, routingHistory] = await Promise.all([client.getSession(session_id, payloadMeta), client.getRoutingHistory(session_id, routingMeta)]).catch((err: unknown) => {
          // Too large to hold now: the session keeps its stored version, like one the API no longer knows.
          if (!(err instanceof OversizedBodyError)) throw err;
          deps.logger.warn({ sessionId: session_id, bytes: err.bytes }, 'an incomplete session is too large to fetch again; its stored version stays');
          return [undefined, undefined] as const;
        });
        return {
          session_id,
          created_at,
          payload,
          routingHistory: (routingHistory === undefined ? routingUnavailable('HTTP 404') : routingHistory) as unknown,
          textSanitized: false,
          textChecked: payloadMeta.textChecked === true && (routingHistory === undefined || routingMeta.textChecked === true),
        };
      }),
    );
    // A session the API no longer knows (404) keeps its last stored version until it is too old.
    const found = fetched.filter((f) => f.payload !== undefined);
    const tooOld = new Set(fetched.filter((f) => f.created_at < giveUpBefore).map((f) => f.session_id));
    const lost = fetched.filter((f) => f.payload === undefined && tooOld.has(f.session_id)).map((f) => f.session_id);
    if (lost.length) {
      for (const s of await storedRawSessions(knex, lost)) {
        found.push({
          session_id: s.session_id,
          created_at: giveUpBefore,
          payload: s.payload,
          routingHistory: s.routing_history,
          textSanitized: s.text_sanitized,
          textChecked: true, // from jsonb
        });
      }
    }
    await campaigns.ensure(
      found.map((f) => payloadCampaignId(f.payload)).filter((id): id is number => id !== undefined),
      client,
      knex,
    );
    await inTransaction(knex, async (trx) => {
      // Too old and still running: transformed once, with never_completed (the transform adds
      // the flag only when the session is in fact incomplete).
      const sessions: ExtractedSession[] = found.map((f) => ({
        payload: f.payload,
        routingHistory: f.routingHistory,
        neverCompleted: tooOld.has(f.session_id),
        textSanitized: f.textSanitized,
        textChecked: f.textChecked,
      }));
      const r = await transformAndLoad(trx, sessions, { campaignMode: campaigns.lookup, writeRaw: true, rejectContext: { runId: deps.runId } });
      const complete = await completionOf(trx, found.map((f) => f.session_id));
      const givenUp = [...complete].filter(([id, isComplete]) => !isComplete && tooOld.has(id)).map(([id]) => id);
      await markCompletionGivenUp(trx, givenUp);
      if (r.changedRange) await refreshReportingSummaries(trx, r.changedRange);
      totals.givenUp += givenUp.length;
      totals.completed += [...complete.values()].filter(Boolean).length;
      totals.refetched += found.length;
      deps.counts.sessionsSeen += found.length;
      deps.counts.sessionsChanged += r.sessionsChanged;
      deps.counts.rejects += r.rejects;
    });
  }
  deps.logger.info({ pending: pending.length, ...totals }, 'incomplete sessions re-fetched');
}

/**
 * Where incomplete sessions are dense, listing their window again costs fewer requests than
 * fetching each one by id (a page holds MLUVII_PAGE_SIZE sessions; by id it is two requests a
 * session): the window is listed, and only the sessions whose list item changed since it was
 * stored get their routing history (and, for a thin item, their detail) fetched. Returns the ids
 * it dealt with; the others (not listed any more, or in sparse windows) are fetched by id.
 */
async function relistDenseWindows(
  deps: LoadDeps & { batchSize: number },
  pending: Array<{ session_id: number; created_at: Date }>,
  totals: { refetched: number; completed: number },
): Promise<Set<number>> {
  const done = new Set<number>();
  if (pending.length === 0) return done;
  const { knex, client, campaigns } = deps;
  for (const w of await doneWindowsHolding(knex, pending)) {
    const ids = new Set(w.ids);
    // Pages to list the window (the empty page that ends it, and the one request past its session
    // bound) against one detail request per pending session.
    if (Math.ceil(w.storedSessions / deps.batchSize) + 2 >= ids.size) continue;
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
    for (let i = 0; i < changed.length; i += deps.batchSize) {
      const slice = changed.slice(i, i + deps.batchSize);
      const sessions = await withRoutingHistories(client, slice);
      await campaigns.ensure(sessions.map((x) => payloadCampaignId(x.payload)).filter((id): id is number => id !== undefined), client, knex);
      await inTransaction(knex, async (trx) => {
        const listedFor = { from: w.from, to: w.to };
        const r = await transformAndLoad(trx, sessions, { campaignMode: campaigns.lookup, writeRaw: true, rejectContext: { runId: deps.runId, window: listedFor }, listedFor });
        if (r.changedRange) await refreshReportingSummaries(trx, r.changedRange);
        const complete = await completionOf(trx, slice.map((x) => payloadId(x.payload) ?? 0));
        totals.completed += [...complete.values()].filter(Boolean).length;
        deps.counts.sessionsChanged += r.sessionsChanged;
        deps.counts.rejects += r.rejects;
      });
    }
    for (const id of listed.keys()) done.add(id);
    totals.refetched += listed.size;
    deps.counts.sessionsSeen += listed.size;
  }
  return done;
}

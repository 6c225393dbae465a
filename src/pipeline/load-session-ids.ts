import { finalRoutingHistories, storedRawSessions } from '../load/stored-sessions.js';
import type { Logger } from '../log.js';
import { OversizedBodyError } from '../mluvii/bounded-body.js';
import type { BodyMeta, MluviiClient } from '../mluvii/client.js';
import { ROUTING_UNAVAILABLE_KEY, routingUnavailable } from '../transform/index.js';
import { payloadCampaignId } from '../util/json.js';
import { inLoadUnit, type LoadUnit } from './load-unit.js';
import { isThinListItem } from './session-details.js';
import type { BatchResult, ExtractedSession } from './transform-and-load.js';
import type { UnitContext } from './unit-types.js';

/** A session fetched again by id: its payload (undefined when the API no longer knows it) and routing history. */
interface FetchedById extends ExtractedSession {
  sessionId: number;
}

/**
 * Detail and routing history of each id, concurrently (the client's limiter bounds the rate). The
 * details come from one list request for the whole batch where the API filters its list by
 * SessionId (client.listSessionsByIds); a session the list leaves out, or shows thin
 * (session-details.ts), gets its own detail request. A routing history in `finalRouting` is not
 * fetched again. One too large to hold now (MLUVII_MAX_ITEM_BYTES) comes back without a payload,
 * like one the API no longer knows: its stored version stays.
 */
async function fetchByIds(client: MluviiClient, ids: number[], logger: Logger, finalRouting: ReadonlyMap<number, unknown> = new Map()): Promise<FetchedById[]> {
  const listed = await client.listSessionsByIds(ids);
  const tooLarge = (sessionId: number, bytes: number): FetchedById => {
    logger.warn({ sessionId, bytes }, 'a session is too large to fetch again; its stored version stays');
    return { sessionId, payload: undefined, routingHistory: routingUnavailable('HTTP 404'), textSanitized: false, textChecked: false };
  };
  return Promise.all(
    ids.map(async (sessionId): Promise<FetchedById> => {
      const item = listed?.get(sessionId);
      if (item?.oversized) return tooLarge(sessionId, item.oversized.bytes);
      const payloadMeta: BodyMeta = {};
      const routingMeta: BodyMeta = {};
      // A final routing history is taken as stored (from jsonb: no text to check); else fetched with the detail.
      const routingRequest = finalRouting.has(sessionId) ? Promise.resolve(finalRouting.get(sessionId)) : client.getRoutingHistory(sessionId, routingMeta);
      if (finalRouting.has(sessionId)) routingMeta.textChecked = true;
      const fromList = item !== undefined && !isThinListItem(item.payload);
      if (fromList) payloadMeta.textChecked = item.textChecked === true;
      let payload: unknown;
      let routingHistory: unknown;
      try {
        [payload, routingHistory] = await Promise.all([fromList ? item.payload : client.getSession(sessionId, payloadMeta), routingRequest]);
      } catch (err) {
        if (!(err instanceof OversizedBodyError)) throw err;
        return tooLarge(sessionId, err.bytes);
      }
      return {
        sessionId,
        payload,
        routingHistory: routingHistory === undefined ? routingUnavailable('HTTP 404') : routingHistory,
        textSanitized: false,
        textChecked: payloadMeta.textChecked === true && (routingHistory === undefined || routingMeta.textChecked === true),
      };
    }),
  );
}

/** What loading ids needs of a unit's context; `runId` null for a load no run ordered (a session hint from `serve`). */
export type LoadIdsContext = Omit<UnitContext, 'runId'> & { runId: number | null };

export interface LoadIdsOptions {
  /** Loaded with never_completed (M-DONE: run has stopped waiting for them to complete). */
  neverCompleted?: ReadonlySet<number>;
  /** Of the ids the API no longer knows (404) or sends too large to hold, those whose stored copy is loaded instead (kept as they are). */
  storedIfMissing?: ReadonlySet<number>;
  /**
   * Sessions whose stored routing history is final (stored after they ended) get only their detail
   * fetched: one request instead of two for a session loaded again after it ended (a hint for its
   * operator's conclusion or its processed recordings). Their routing cannot change any more.
   */
  reuseFinalRouting?: boolean;
  /** Runs in the same load unit after the sessions were loaded, with the ids it loaded. */
  afterLoad?: (unit: LoadUnit, loadedIds: number[]) => Promise<void>;
}

/**
 * "Load these session ids": each is fetched by id (detail and routing history), and the ones the
 * API knows are loaded in ONE load unit (raw, facts, summaries of their days; their hours locked).
 * The re-fetch of incomplete sessions uses it, and so does a session hint (session-hints.ts).
 * Returns the ids loaded and those the API did not know.
 */
export async function loadSessionIds(ctx: LoadIdsContext, ids: number[], opts: LoadIdsOptions = {}): Promise<{ loaded: number[]; missing: number[]; totals: BatchResult }> {
  const client = ctx.client();
  const finalRouting = opts.reuseFinalRouting ? await finalRoutingHistories(ctx.knex, ids, ROUTING_UNAVAILABLE_KEY) : undefined;
  const fetched = await fetchByIds(client, ids, ctx.logger, finalRouting);
  const found = fetched.filter((f) => f.payload !== undefined);
  const missing = fetched.filter((f) => f.payload === undefined).map((f) => f.sessionId);
  const keep = missing.filter((id) => opts.storedIfMissing?.has(id));
  if (keep.length) {
    for (const s of await storedRawSessions(ctx.knex, keep)) {
      found.push({ sessionId: s.session_id, payload: s.payload, routingHistory: s.routing_history, textSanitized: s.text_sanitized, textChecked: true /* from jsonb */ });
    }
  }
  await ctx.campaigns.ensure(found.map((f) => payloadCampaignId(f.payload)).filter((id): id is number => id !== undefined), client, ctx.knex);
  const loaded = found.map((f) => f.sessionId);
  const { totals } = await inLoadUnit({ knex: ctx.knex }, {}, async (unit) => {
    const sessions = found.map(({ sessionId, ...s }) => ({ ...s, neverCompleted: opts.neverCompleted?.has(sessionId) ?? false }));
    await unit.load(sessions, { campaignMode: ctx.campaigns.lookup, writeRaw: true, rejectContext: { runId: ctx.runId } });
    await opts.afterLoad?.(unit, loaded);
  });
  return { loaded, missing, totals };
}

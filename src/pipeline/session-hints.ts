import { recordHintLoad } from '../load/hint-loads.js';
import { loadSessionIds, type LoadIdsContext } from './load-session-ids.js';

/** What became of the sessions a batch of hints named. */
export interface HintedLoad {
  /** Fetched and loaded (facts, raw, the summaries of their days). */
  loaded: number[];
  /** The API does not know them (404), or sent them too large to hold: nothing loaded, nothing to retry. */
  unknown: number[];
  /** When their API reads began: the warehouse holds what the API said of them from then on. */
  readAt: Date;
}

/**
 * "These sessions may have changed" (webhook hints that `serve` queued): each is fetched by id,
 * detail and routing history, and loaded exactly as a window loads its sessions: the same
 * transform, the same load unit, the summaries of their days refreshed in the same transaction
 * (loadSessionIds). No window is marked done and no checkpoint moves: a hint says nothing about
 * the other sessions of its window, which the nightly load lists. A session still running stays
 * incomplete in the warehouse, as after a window; its later events (its operators' conclusions,
 * its recordings processed) send new hints, and those load it again. When the sessions were read
 * is recorded for reporting.today_kpis (hints_loaded_through).
 */
export async function loadHintedSessions(ctx: LoadIdsContext, ids: number[], now: () => Date = () => new Date()): Promise<HintedLoad> {
  const readAt = now();
  // A session loaded again after it ended (its operator concluded, its recordings processed) costs one request: its routing is over.
  const { loaded, missing } = await loadSessionIds(ctx, [...new Set(ids)], { reuseFinalRouting: true });
  // After the commit, in a statement of its own: every hint of the tenant writes this one row,
  // and holding it through the load would make the tenant's batches wait for each other.
  if (loaded.length) await recordHintLoad(ctx.knex, readAt);
  return { loaded, unknown: missing, readAt };
}

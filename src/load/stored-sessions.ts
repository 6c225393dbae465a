import type { Knex } from 'knex';
import type { TimeWindow } from '../util/time-range.js';

/**
 * Sessions read back from raw and core: the incomplete ones each run fetches again (M-DONE), and
 * those of campaigns whose mode was unknown (M-RING). Only the pipeline's questions, as queries,
 * each about the connection's tenant (etl.tenant()).
 */

type Db = Knex | Knex.Transaction;

/** A row of raw.sessions as it is transformed again (no API call). */
export interface StoredRawRow {
  session_id: number;
  payload: unknown;
  routing_history: unknown;
  completion_given_up_at: Date | null;
  text_sanitized: boolean;
}

/**
 * Sessions the source will still change, by id: incomplete ones not given up on yet (M-DONE), and
 * complete ones created since `settledSince` whose recordings mluvii is still processing (until
 * then their files have no address). `createdBefore` leaves out those a run has just fetched.
 */
export async function pendingIncompleteSessions(db: Db, createdBefore: Date | undefined, settledSince: Date): Promise<Array<{ session_id: number; created_at: Date }>> {
  const r = await db.raw(
    `SELECT s.session_id, s.created_at FROM core.sessions s JOIN raw.sessions r USING (tenant, session_id)
      WHERE s.tenant = etl.tenant() AND r.completion_given_up_at IS NULL
        AND (NOT s.is_complete
             OR (s.created_at >= ?::timestamptz
                 AND EXISTS (SELECT 1 FROM core.session_files f WHERE f.tenant = s.tenant AND f.session_id = s.session_id AND f.source_state = 'processing')))
        AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz) ORDER BY s.session_id`,
    [settledSince.toISOString(), createdBefore ?? null, createdBefore ?? null],
  );
  return (r.rows as Array<{ session_id: string | number; created_at: Date }>).map((x) => ({ session_id: Number(x.session_id), created_at: x.created_at }));
}

/** The stored raw rows of these sessions (any order). */
export async function storedRawSessions(db: Db, ids: number[]): Promise<StoredRawRow[]> {
  const r = await db.raw(
    `SELECT session_id, payload, routing_history, completion_given_up_at, text_sanitized FROM raw.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[])`,
    [ids],
  );
  return (r.rows as StoredRawRow[]).map((x) => ({ ...x, session_id: Number(x.session_id) }));
}

/**
 * Of these sessions, the routing histories stored after the session had ended (its payload shows
 * `ended`): routing is over by then, so the history is final and need not be fetched again. A
 * history that was unavailable (`unavailableKey`) or stored with text replaced is not offered.
 */
export async function finalRoutingHistories(db: Db, ids: number[], unavailableKey: string): Promise<Map<number, unknown>> {
  if (ids.length === 0) return new Map();
  const r = await db.raw(
    `SELECT session_id, routing_history FROM raw.sessions
      WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) AND NOT text_sanitized
        AND payload ->> 'ended' IS NOT NULL AND routing_history IS NOT NULL AND routing_history ->> ? IS NULL`,
    [ids, unavailableKey],
  );
  return new Map((r.rows as Array<{ session_id: string | number; routing_history: unknown }>).map((x) => [Number(x.session_id), x.routing_history]));
}

/** Whether each of these sessions is complete now (core.sessions.is_complete), by id. */
export async function completionOf(db: Db, ids: number[]): Promise<Map<number, boolean>> {
  const r = await db.raw(`SELECT session_id, is_complete FROM core.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[])`, [ids]);
  return new Map((r.rows as Array<{ session_id: string | number; is_complete: boolean }>).map((x) => [Number(x.session_id), x.is_complete]));
}

/** A done window holding some of the given sessions: their ids, and how many sessions raw holds in it. */
export interface DoneWindowHolding extends TimeWindow {
  ids: number[];
  storedSessions: number;
}

/** The done windows the given sessions were created in (by their created_at), in order. */
export async function doneWindowsHolding(db: Db, sessions: Array<{ session_id: number; created_at: Date }>): Promise<DoneWindowHolding[]> {
  const r = await db.raw(
    `SELECT w.window_start, w.window_end, array_agg(p.id) AS ids,
            (SELECT count(*) FROM raw.sessions r WHERE r.tenant = etl.tenant() AND r.created_at >= w.window_start AND r.created_at < w.window_end) AS total
       FROM etl.windows w JOIN unnest(?::bigint[], ?::timestamptz[]) AS p(id, created) ON p.created >= w.window_start AND p.created < w.window_end
      WHERE w.tenant = etl.tenant() AND w.status = 'done' GROUP BY w.window_start, w.window_end ORDER BY w.window_start`,
    [sessions.map((p) => p.session_id), sessions.map((p) => p.created_at)],
  );
  return (r.rows as Array<{ window_start: Date; window_end: Date; ids: Array<string | number>; total: string | number }>).map((w) => ({
    from: w.window_start,
    to: w.window_end,
    ids: w.ids.map(Number),
    storedSessions: Number(w.total),
  }));
}

/**
 * The ids of the payloads that differ from what raw.sessions holds (or that raw does not hold).
 * Pass them as they would be stored: with the characters Postgres refuses replaced.
 */
export async function payloadsChangedSinceStored(db: Db, payloads: unknown[]): Promise<Set<number>> {
  const r = await db.raw(
    `SELECT (e->>'id')::bigint AS id FROM jsonb_array_elements(?::jsonb) e
       LEFT JOIN raw.sessions r ON r.tenant = etl.tenant() AND r.session_id = (e->>'id')::bigint
      WHERE r.payload IS DISTINCT FROM e`,
    [JSON.stringify(payloads)],
  );
  return new Set((r.rows as Array<{ id: string | number }>).map((x) => Number(x.id)));
}

/** Campaigns with sessions loaded while their mode was unknown (flag unknown_campaign_mode). */
export async function campaignsWithUnknownMode(db: Db): Promise<number[]> {
  const r = await db.raw(`SELECT DISTINCT campaign_id FROM core.sessions WHERE tenant = etl.tenant() AND campaign_id IS NOT NULL AND 'unknown_campaign_mode' = ANY(quality_flags)`);
  return (r.rows as Array<{ campaign_id: string | number }>).map((x) => Number(x.campaign_id));
}

/** The next page (by session id, after `afterId`) of stored sessions of these campaigns still flagged unknown_campaign_mode. */
export async function unknownModeSessions(db: Db, campaignIds: number[], afterId: number, limit: number): Promise<StoredRawRow[]> {
  const r = await db.raw(
    `SELECT r.session_id, r.payload, r.routing_history, r.completion_given_up_at, r.text_sanitized
       FROM core.sessions s JOIN raw.sessions r USING (tenant, session_id)
      WHERE s.tenant = etl.tenant() AND s.campaign_id = ANY(?::bigint[]) AND 'unknown_campaign_mode' = ANY(s.quality_flags) AND s.session_id > ?
      ORDER BY s.session_id LIMIT ?`,
    [campaignIds, afterId, limit],
  );
  return (r.rows as StoredRawRow[]).map((x) => ({ ...x, session_id: Number(x.session_id) }));
}

import type { Knex } from 'knex';
import { contentHash } from './content-hash.js';

/** A session as received: the list item (or detail) payload and its routing history. */
export interface RawSession {
  sessionId: number;
  /** The payload's `created`, already validated by the transform. */
  createdAt: string;
  payload: unknown;
  routingHistory: unknown;
  /** Text was replaced before storing (sanitize-text.ts); reprocess keeps the flag from this. */
  textSanitized?: boolean;
}

export const rawSessionHash = (s: RawSession): string => contentHash([s.payload, s.routingHistory ?? null]);

/**
 * Upserts the latest payloads into raw.sessions, as rows of the connection's tenant (the column's
 * default, etl.tenant()). A row whose content hash is unchanged is not written at all.
 */
export async function upsertRawSessions(db: Knex | Knex.Transaction, sessions: RawSession[]): Promise<void> {
  if (sessions.length === 0) return;
  const rows = sessions.map((s) => ({
    session_id: s.sessionId,
    created_at: s.createdAt,
    payload: s.payload,
    routing_history: s.routingHistory ?? null,
    content_hash: rawSessionHash(s),
    text_sanitized: s.textSanitized === true,
  }));
  await db.raw(
    `INSERT INTO raw.sessions AS r (session_id, created_at, payload, routing_history, content_hash, text_sanitized)
     SELECT session_id, created_at, payload, routing_history, content_hash, text_sanitized
       FROM jsonb_to_recordset(?::jsonb)
         AS x(session_id bigint, created_at timestamptz, payload jsonb, routing_history jsonb, content_hash text, text_sanitized boolean)
     ON CONFLICT (tenant, session_id) DO UPDATE
        SET created_at = EXCLUDED.created_at, payload = EXCLUDED.payload, routing_history = EXCLUDED.routing_history,
            content_hash = EXCLUDED.content_hash, text_sanitized = EXCLUDED.text_sanitized, fetched_at = now()
      WHERE r.content_hash IS DISTINCT FROM EXCLUDED.content_hash`,
    [JSON.stringify(rows)],
  );
}

/** Remembers that `run` stopped waiting for these sessions to complete (M-DONE). */
export async function markCompletionGivenUp(db: Knex | Knex.Transaction, sessionIds: number[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await db.raw(
    `UPDATE raw.sessions SET completion_given_up_at = now()
      WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) AND completion_given_up_at IS NULL`,
    [sessionIds],
  );
}

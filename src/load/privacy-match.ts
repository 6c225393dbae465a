/**
 * Which stored sessions an erasure concerns: those holding a guest's e-mail or phone, those an
 * operator appears in, those past RAW_RETENTION, those of given ids. Reads only.
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;
const ids = (rows: Array<{ session_id: string | number }>) => rows.map((x) => Number(x.session_id));

/**
 * Sessions whose stored payload or routing history matches a guest's pattern (privacy/guest-key.ts,
 * case-insensitive), wherever in them it is: call parameters, phone numbers, chat text, forms.
 */
export async function sessionsMatchingGuest(db: Db, pattern: string): Promise<number[]> {
  const r = await db.raw(
    `SELECT session_id FROM raw.sessions WHERE tenant = etl.tenant() AND (payload::text ~* ? OR coalesce(routing_history::text, '') ~* ?) ORDER BY session_id`,
    [pattern, pattern],
  );
  return ids(r.rows);
}

/** How many rejects quote a guest's pattern (their text is set aside as received). */
export async function countRejectsMatching(db: Db, pattern: string): Promise<number> {
  const r = await db.raw(`SELECT count(*)::int AS n FROM etl.rejects WHERE tenant = etl.tenant() AND raw_text ~* ?`, [pattern]);
  return r.rows[0].n as number;
}

/** Rejects that quote a guest's pattern keep only their reason and ids. Returns how many. */
export async function trimRejectsMatching(db: Db, pattern: string): Promise<number> {
  const r = await db.raw(`UPDATE etl.rejects SET raw_text = '' WHERE tenant = etl.tenant() AND raw_text ~* ?`, [pattern]);
  return r.rowCount ?? 0;
}

/** Rejects quoting any of these texts (exactly, without case) keep only their reason and ids. Returns how many. */
export async function trimRejectsQuoting(db: Db, texts: string[]): Promise<number> {
  const wanted = texts.filter((t) => t.trim().length >= 3);
  if (wanted.length === 0) return 0;
  const r = await db.raw(`UPDATE etl.rejects SET raw_text = '' WHERE tenant = etl.tenant() AND raw_text <> '' AND lower(raw_text) LIKE ANY(?::text[])`, [
    wanted.map((t) => `%${t.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
  ]);
  return r.rowCount ?? 0;
}

/** Of these ids, those raw.sessions holds. */
export async function storedSessionIds(db: Db, wanted: number[]): Promise<number[]> {
  if (wanted.length === 0) return [];
  const r = await db.raw(`SELECT session_id FROM raw.sessions WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[]) ORDER BY session_id`, [wanted]);
  return ids(r.rows);
}

/**
 * Sessions an operator appears in: as a stint or in the routing history (core), or only as a
 * reviewer or the target of a forward in the payload. (`\\?` is a jsonpath filter, not a binding.)
 */
export async function sessionsOfOperator(db: Db, userId: number): Promise<number[]> {
  const r = await db.raw(
    `SELECT session_id FROM core.session_operators WHERE tenant = etl.tenant() AND user_id = ?
     UNION SELECT session_id FROM core.routing_events WHERE tenant = etl.tenant() AND ? IN (operator_user_id, forwarded_by_user_id, invited_by_user_id)
     UNION SELECT session_id FROM raw.sessions
            WHERE tenant = etl.tenant() AND jsonb_path_exists(payload, '$.reviewers[*] \\? (@.userId == $u)', jsonb_build_object('u', ?::bigint))
               OR jsonb_path_exists(payload, '$.activities[*] \\? (@.toOperatorUserId == $u)', jsonb_build_object('u', ?::bigint))
     ORDER BY 1`,
    [userId, userId, userId, userId],
  );
  return ids(r.rows);
}

/** The next sessions created before `before` whose payloads still hold personal data, oldest first. */
export async function sessionsPastRetention(db: Db, before: Date, limit: number): Promise<number[]> {
  const r = await db.raw(
    `SELECT session_id FROM raw.sessions WHERE tenant = etl.tenant() AND personal_data_removed_at IS NULL AND created_at < ? ORDER BY created_at, session_id LIMIT ?`,
    [before, limit],
  );
  return ids(r.rows);
}

/** The earliest created_at raw.sessions holds (nothing can have been anonymized before it); undefined when empty. */
export async function earliestStoredSession(db: Db): Promise<Date | undefined> {
  const r = await db.raw(`SELECT min(created_at) AS at FROM raw.sessions WHERE tenant = etl.tenant()`);
  return (r.rows[0].at as Date | null) ?? undefined;
}

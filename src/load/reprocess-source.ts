import type { Knex } from 'knex';
import { inputsKeySql } from './session-facts.js';
import type { StoredRawRow } from './stored-sessions.js';

/**
 * What `reprocess` reads: the connection's tenant's stored raw sessions whose facts may change, in
 * keyset-paged batches, trimmed to what the transform reads. The rest never leave Postgres.
 */

type Db = Knex | Knex.Transaction;

/**
 * The stored payload minus the chat transcript, which is most of its size: the transform reads
 * only the SessionEnded activity of it (termination_reason; the type compared without case, as
 * the transform does) and the shared-file activities (core.session_files), so only those are kept.
 */
const PAYLOAD_WITHOUT_TRANSCRIPT = `CASE WHEN jsonb_typeof(r.payload->'activities') = 'array'
  THEN (r.payload - 'activities') || jsonb_build_object('activities',
         coalesce((SELECT jsonb_agg(a) FROM jsonb_array_elements(r.payload->'activities') a WHERE lower(a->>'type') = 'sessionended' OR jsonb_typeof(a->'file') = 'object'), '[]'::jsonb))
  ELSE r.payload END`;

/**
 * raw rows joined to their facts and campaign, keeping only the sessions whose stored inputs key
 * differs from the one computed now: a new session, new content, a give-up mark, a campaign mode
 * learnt since, or another transform version (or every one, with `force`).
 */
const NEEDS_WORK = `raw.sessions r LEFT JOIN core.sessions c ON c.tenant = r.tenant AND c.session_id = r.session_id
  LEFT JOIN raw.campaigns rc ON rc.tenant = r.tenant AND rc.campaign_id = c.campaign_id
  WHERE r.tenant = etl.tenant() AND (?::boolean OR c.inputs_key IS DISTINCT FROM ${inputsKeySql('r', 'rc')})`;

/** Which sessions: created in [from, to) (either end open), compared with this transform version; all of them with `force`. */
export interface ReprocessSelection {
  transformVersion: string;
  from?: string;
  to?: string;
  force?: boolean;
}

const IN_RANGE = `AND (?::timestamptz IS NULL OR r.created_at >= ?::timestamptz) AND (?::timestamptz IS NULL OR r.created_at < ?::timestamptz)`;
const bindings = (sel: ReprocessSelection) => [sel.force === true, sel.transformVersion, sel.from ?? null, sel.from ?? null, sel.to ?? null, sel.to ?? null];

/** How many stored sessions the range holds (what `reprocess` says when none of them may change). */
export async function countStoredSessions(db: Db, sel: Pick<ReprocessSelection, 'from' | 'to'>): Promise<number> {
  const r = await db.raw(`SELECT count(*) AS n FROM raw.sessions r WHERE r.tenant = etl.tenant() ${IN_RANGE}`, [sel.from ?? null, sel.from ?? null, sel.to ?? null, sel.to ?? null]);
  return Number(r.rows[0].n);
}

/** How many of the sessions that may change had their personal data removed (docs/privacy.md). */
export async function countWithoutPersonalData(db: Db, sel: ReprocessSelection): Promise<number> {
  return Number((await db.raw(`SELECT count(*) AS n FROM ${NEEDS_WORK} ${IN_RANGE} AND r.personal_data_removed_at IS NOT NULL`, bindings(sel))).rows[0].n);
}

/** How many stored sessions may change. */
export async function countSessionsToReprocess(db: Db, sel: ReprocessSelection): Promise<number> {
  return Number((await db.raw(`SELECT count(*) AS n FROM ${NEEDS_WORK} ${IN_RANGE}`, bindings(sel))).rows[0].n);
}

/** A stored session to transform again, with the key of its place in created_at order and its stored facts hash. */
export interface ReprocessRow extends StoredRawRow {
  /** created_at as Postgres prints it: a JS Date would drop its microseconds, and the keyset needs them. */
  created_key: string;
  facts_hash: string | null;
}

/** The next `limit` sessions that may change, in (created_at, session_id) order, after `after`. */
export async function sessionsToReprocess(db: Db, sel: ReprocessSelection, after: { created: string; id: number } | undefined, limit: number): Promise<ReprocessRow[]> {
  const r = await db.raw(
    `SELECT r.session_id, r.created_at::text AS created_key, ${PAYLOAD_WITHOUT_TRANSCRIPT} AS payload, r.routing_history,
            r.completion_given_up_at, r.text_sanitized, c.facts_hash
       FROM ${NEEDS_WORK} ${IN_RANGE}
        AND (?::timestamptz IS NULL OR (r.created_at, r.session_id) > (?::timestamptz, ?::bigint))
      ORDER BY r.created_at, r.session_id LIMIT ?`,
    [...bindings(sel), after?.created ?? null, after?.created ?? null, after?.id ?? null, limit],
  );
  const rows = r.rows as ReprocessRow[];
  // bigint arrives as text; converted in place (a batch holds a thousand payloads: no second copy of its rows).
  for (const row of rows) row.session_id = Number(row.session_id);
  return rows;
}

/** Midnight (as an ISO instant) of the REPORT_TZ day that contains `instant` (its day bucket, core.report_day). */
export async function startOfReportDay(db: Db, instant: string): Promise<string> {
  const r = await db.raw(
    `SELECT to_char((core.report_day(?::timestamptz, s.report_tz)::timestamp AT TIME ZONE s.report_tz) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS day_start FROM etl.settings s WHERE s.tenant = etl.tenant()`,
    [instant],
  );
  return r.rows[0].day_start as string;
}

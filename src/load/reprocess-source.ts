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

/** A place in (created_at, session_id) order: created_at as Postgres prints it (microseconds kept). */
export interface ReprocessKeyset {
  created: string;
  id: number;
}

/**
 * The next `limit` sessions that may change, in (created_at, session_id) order, after `after`
 * and up to `upTo` (inclusive; a slice of a reprocess split into jobs).
 */
export async function sessionsToReprocess(db: Db, sel: ReprocessSelection, after: ReprocessKeyset | undefined, limit: number, upTo?: ReprocessKeyset): Promise<ReprocessRow[]> {
  const r = await db.raw(
    `SELECT r.session_id, r.created_at::text AS created_key, ${PAYLOAD_WITHOUT_TRANSCRIPT} AS payload, r.routing_history,
            r.completion_given_up_at, r.text_sanitized, c.facts_hash
       FROM ${NEEDS_WORK} ${IN_RANGE}
        AND (?::timestamptz IS NULL OR (r.created_at, r.session_id) > (?::timestamptz, ?::bigint))
        AND (?::timestamptz IS NULL OR (r.created_at, r.session_id) <= (?::timestamptz, ?::bigint))
      ORDER BY r.created_at, r.session_id LIMIT ?`,
    [...bindings(sel), after?.created ?? null, after?.created ?? null, after?.id ?? null, upTo?.created ?? null, upTo?.created ?? null, upTo?.id ?? null, limit],
  );
  const rows = r.rows as ReprocessRow[];
  // bigint arrives as text; converted in place (a batch holds a thousand payloads: no second copy of its rows).
  for (const row of rows) row.session_id = Number(row.session_id);
  return rows;
}

/**
 * Where to cut the sessions that may change into slices (a reprocess split into jobs), in one
 * pass that also counts them: the keyset of every size-th session, in order. Slice k runs after bound k−1 up to and
 * including bound k; the last slice has no upper bound (a session stored meanwhile is not lost).
 */
export async function reprocessSliceBounds(
  db: Db,
  sel: ReprocessSelection,
  /** Sessions per slice: total / `slices`, within [min, max]. */
  size: { slices: number; min: number; max: number },
): Promise<{ bounds: Array<{ upTo: ReprocessKeyset; span: { from: string; to: string } }>; total: number }> {
  const r = await db.raw(
    `SELECT created_key, session_id, at, first_at, total FROM (
       SELECT x.created_at::text AS created_key, x.session_id, x.created_at AS at, min(x.created_at) OVER () AS first_at,
              count(*) OVER () AS total, row_number() OVER (ORDER BY x.created_at, x.session_id) AS n
         FROM (SELECT r.created_at, r.session_id FROM ${NEEDS_WORK} ${IN_RANGE}) x) s
      WHERE n % greatest(?::bigint, least(?::bigint, ceil(total / ?::numeric)::bigint)) = 0 OR n = total ORDER BY n`,
    [...bindings(sel), size.min, size.max, size.slices],
  );
  const rows = r.rows as Array<{ created_key: string; session_id: string | number; at: Date; first_at: Date; total: string | number }>;
  // The created_at range a slice covers (a Date keeps milliseconds: the end is one past), for a
  // retried slice whose days must be refreshed.
  const bounds = rows.map((x, i) => ({
    upTo: { created: x.created_key, id: Number(x.session_id) },
    span: { from: (i === 0 ? x.first_at : rows[i - 1].at).toISOString(), to: new Date(x.at.getTime() + 1).toISOString() },
  }));
  return { bounds, total: rows.length ? Number(rows[rows.length - 1].total) : 0 };
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

import type { Knex } from 'knex';
import type { RoutingEventRow, SessionFacts, SessionFileRow, SessionOperatorRow, SessionStateRow } from '../transform/types.js';
import { insertByColumns, type Column } from './column-insert.js';
import { contentHash } from './content-hash.js';
import { upsertDimensionsFromFacts } from './dimensions.js';

/**
 * The upsert of core facts. A session's facts_hash covers every row the transform produced for
 * it, so an unchanged session writes nothing; a changed one replaces its child rows (states,
 * operators, routing events, files' metadata) — child rows have no identity of their own across versions.
 * Returns the ids written and the range of their created_at (to refresh the reporting summaries).
 */
export interface FactsWriteResult {
  changedIds: number[];
  createdRange?: { from: string; to: string };
}

const SESSION_COLUMNS = `session_id bigint, company_id bigint, department_id bigint, channel text, source text, status text,
  campaign_id bigint, campaign_mode text, guest_left_session text, termination_reason text, auto_accepted boolean,
  is_direct_chat boolean, widget text, created_at timestamptz, guest_joined_at timestamptz, started_at timestamptz,
  ended_at timestamptz, first_routing_at timestamptz, first_assigned_at timestamptz, first_accepted_at timestamptz,
  created_s numeric, in_queue_s numeric, waiting_s numeric, bcw_s numeric, active_s numeric, acw_s numeric,
  ring_s numeric, waited_s numeric, answer_s numeric, is_offered boolean, is_answered boolean,
  skipped_states text[], quality_flags text[], is_complete boolean, facts_hash text`;

const STATE_COLUMNS: ReadonlyArray<Column<SessionStateRow>> = [['session_id', 'bigint'], ['state', 'text'], ['duration_s', 'numeric']];
const OPERATOR_COLUMNS: ReadonlyArray<Column<SessionOperatorRow>> = [
  ['session_id', 'bigint'], ['user_id', 'bigint'], ['user_name', 'text'], ['first_name', 'text'], ['last_name', 'text'],
  ['joined_at', 'timestamptz'], ['left_at', 'timestamptz'], ['concluded_at', 'timestamptz'], ['stints', 'integer'],
  ['queue_s', 'numeric'], ['active_s', 'numeric'], ['acw_s', 'numeric'], ['offers', 'integer'], ['missed', 'integer'],
];
const EVENT_COLUMNS: ReadonlyArray<Column<RoutingEventRow>> = [
  ['session_id', 'bigint'], ['seq', 'integer'], ['routing_request_id', 'bigint'], ['event_at', 'timestamptz'],
  ['activity_type', 'text'], ['group_id', 'bigint'], ['group_name', 'text'], ['operator_user_id', 'bigint'],
  ['forwarded_by_user_id', 'bigint'], ['invited_by_user_id', 'bigint'],
];

const FILE_COLUMNS: ReadonlyArray<Column<SessionFileRow>> = [
  ['session_id', 'bigint'], ['file_key', 'text'], ['kind', 'text'], ['name', 'text'], ['user_id', 'bigint'],
  ['started_at', 'timestamptz'], ['duration_s', 'numeric'], ['recording_type', 'text'], ['source_state', 'text'],
];

const SESSION_NAMES = SESSION_COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[0]);

export async function upsertSessionFacts(
  db: Knex | Knex.Transaction,
  batch: SessionFacts[],
  /** facts_hash already stored per session, when the caller read it anyway: unchanged sessions are then not even sent. */
  storedHashes?: ReadonlyMap<number, string>,
): Promise<FactsWriteResult> {
  const sessions = batch
    .map((f) => ({ ...f.session, facts_hash: contentHash(f) }))
    .filter((s) => storedHashes?.get(s.session_id) !== s.facts_hash);
  if (sessions.length === 0) return { changedIds: [] };
  const names = SESSION_NAMES.join(', ');
  const updates = SESSION_NAMES.filter((n) => n !== 'session_id')
    .map((n) => `${n} = EXCLUDED.${n}`)
    .join(', ');
  const written = await db.raw(
    `INSERT INTO core.sessions AS s (${names})
     SELECT ${names} FROM jsonb_to_recordset(?::jsonb) AS x(${SESSION_COLUMNS})
     ON CONFLICT (session_id) DO UPDATE SET ${updates}, loaded_at = now()
      WHERE s.facts_hash IS DISTINCT FROM EXCLUDED.facts_hash
     RETURNING session_id, created_at, (xmax <> 0) AS replaced`,
    [JSON.stringify(sessions)],
  );
  // xmax is 0 on a freshly inserted row version: only replaced sessions have child rows to remove.
  const rows = written.rows as Array<{ session_id: number; created_at: Date; replaced: boolean }>;
  if (rows.length === 0) return { changedIds: [] };

  const changed = new Set(rows.map((r) => Number(r.session_id)));
  const changedIds = [...changed];
  const mine = batch.filter((f) => changed.has(f.session.session_id));

  const replacedIds = rows.filter((r) => r.replaced).map((r) => Number(r.session_id));
  if (replacedIds.length) {
    for (const table of ['core.session_states', 'core.session_operators', 'core.routing_events', 'core.session_files']) {
      await db.raw(`DELETE FROM ${table} WHERE session_id = ANY(?::bigint[])`, [replacedIds]);
    }
  }
  await insertByColumns(db, 'core.session_states', STATE_COLUMNS, mine.flatMap((f) => f.states));
  await insertByColumns(db, 'core.session_operators', OPERATOR_COLUMNS, mine.flatMap((f) => f.operators));
  await insertByColumns(db, 'core.routing_events', EVENT_COLUMNS, mine.flatMap((f) => f.routingEvents));
  await insertByColumns(db, 'core.session_files', FILE_COLUMNS, mine.flatMap((f) => f.files ?? []));
  await upsertDimensionsFromFacts(db, mine);

  let from = rows[0].created_at;
  let to = rows[0].created_at;
  for (const r of rows) {
    if (r.created_at < from) from = r.created_at;
    if (r.created_at > to) to = r.created_at;
  }
  // Half-open: the range must include the latest session itself.
  return { changedIds, createdRange: { from: from.toISOString(), to: new Date(to.getTime() + 1).toISOString() } };
}

import type { Knex } from 'knex';
import type { RoutingEventRow, SessionFacts, SessionFileRow, SessionOperatorRow, SessionStateRow } from '../transform/types.js';
import { transformVersion } from '../util/transform-version.js';
import { contentHash } from './content-hash.js';
import { copyInto, stageRows, type StagedColumn } from './copy-rows.js';
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

/** Every column of core.sessions the transform fills (facts_hash added here); loaded_at is the table's. */
const SESSION_COLUMNS: ReadonlyArray<StagedColumn<SessionRow>> = (
  [
    'session_id', 'company_id', 'department_id', 'channel', 'source', 'status', 'campaign_id', 'campaign_mode', 'guest_left_session',
    'termination_reason', 'auto_accepted', 'is_direct_chat', 'widget', 'created_at', 'guest_joined_at', 'started_at', 'ended_at',
    'first_routing_at', 'first_assigned_at', 'first_accepted_at', 'created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s',
    'ring_s', 'waited_s', 'answer_s', 'is_offered', 'is_accepted', 'skipped_states', 'quality_flags', 'is_complete', 'facts_hash',
  ] as const
).map((n) => [n, n === 'skipped_states' || n === 'quality_flags' ? 'text[]' : 'scalar'] as const);

type SessionRow = SessionFacts['session'] & { facts_hash: string };

/**
 * The child tables of a session: rows with no identity of their own across versions, replaced
 * whole when the session's facts change. One more child table is one more entry here.
 */
interface ChildTable<Row> {
  table: string;
  columns: ReadonlyArray<StagedColumn<Row>>;
  rows: (f: SessionFacts) => readonly Row[];
}
const child = <Row>(c: ChildTable<Row>): ChildTable<unknown> => c as unknown as ChildTable<unknown>;

export const CHILD_TABLES: ReadonlyArray<ChildTable<unknown>> = [
  child<SessionStateRow>({ table: 'core.session_states', columns: [['session_id', ''], ['state', ''], ['duration_s', '']], rows: (f) => f.states }),
  child<SessionOperatorRow>({
    table: 'core.session_operators',
    columns: (['session_id', 'user_id', 'user_name', 'first_name', 'last_name', 'joined_at', 'left_at', 'concluded_at', 'stints', 'queue_s', 'active_s', 'acw_s', 'offers', 'missed'] as const).map((n) => [n, ''] as const),
    rows: (f) => f.operators,
  }),
  child<RoutingEventRow>({
    table: 'core.routing_events',
    columns: (['session_id', 'seq', 'routing_request_id', 'event_at', 'activity_type', 'group_id', 'group_name', 'operator_user_id', 'forwarded_by_user_id', 'invited_by_user_id'] as const).map((n) => [n, ''] as const),
    rows: (f) => f.routingEvents,
  }),
  child<SessionFileRow>({
    table: 'core.session_files',
    columns: (['session_id', 'file_key', 'kind', 'name', 'user_id', 'started_at', 'duration_s', 'recording_type', 'source_state'] as const).map((n) => [n, ''] as const),
    rows: (f) => f.files ?? [],
  }),
];

/**
 * The inputs key of a session (core.sessions.inputs_key, see its migration), in SQL: from its
 * raw row `r`, its campaign's raw row `c` (joined on the session's campaign_id) and the
 * transform version as the one parameter. What the transform was given as the campaign mode is
 * what CampaignModeCache reads from raw.campaigns: nothing known (''), a mode, or 'unknown'.
 */
export const inputsKeySql = (r: string, c: string) =>
  `md5(concat_ws('|', ${r}.content_hash, (${r}.completion_given_up_at IS NOT NULL)::text, ${r}.text_sanitized::text,
     CASE WHEN ${c}.campaign_id IS NULL THEN '' WHEN ${c}.http_status = 200 AND coalesce(${c}.payload->>'mode', '') <> '' THEN ${c}.payload->>'mode' ELSE 'unknown' END,
     ?::text))`;


/**
 * Stages the sessions with COPY into a temporary table (this transaction only) and upserts them
 * in one statement where facts_hash changed, as rows of the connection's tenant (every tenant
 * column defaults to etl.tenant()); the child rows of the changed sessions are then copied
 * straight into their tables, after deleting the old ones of sessions that existed before
 * (xmax ≠ 0: a first load deletes nothing, which on a large warehouse was most of the cost).
 */
export async function upsertSessionFacts(
  db: Knex.Transaction,
  batch: SessionFacts[],
  /** facts_hash already stored per session, when the caller read it anyway: unchanged sessions are then not even sent. */
  storedHashes?: ReadonlyMap<number, string>,
  /**
   * Where operator and group names are written (dimensions.ts). Rows every window shares: written
   * in a long transaction, two windows loading side by side would hold them in different orders
   * and deadlock. So a load unit passes its pool: short statements of their own (names only fill
   * gaps, and no fact refers to them by a foreign key, so committing them apart is harmless).
   */
  dimensionsDb: Knex | Knex.Transaction = db,
): Promise<FactsWriteResult> {
  const hashed = batch.map((f) => ({ facts: f, row: { ...f.session, facts_hash: contentHash(f) } }));
  const sent = hashed.filter((h) => storedHashes?.get(h.row.session_id) !== h.row.facts_hash);
  if (sent.length === 0) {
    await recordInputsKeys(db, batch.map((f) => f.session.session_id));
    return { changedIds: [] };
  }

  const names = SESSION_COLUMNS.map(([n]) => n).join(', ');
  const updates = SESSION_COLUMNS.filter(([n]) => n !== 'session_id')
    .map(([n]) => `${n} = EXCLUDED.${n}`)
    .join(', ');
  await stageRows(db, 'stage_sessions', 'core.sessions', SESSION_COLUMNS, sent.map((h) => h.row));
  // Dropped at commit anyway; dropped now so that one transaction can load several batches.
  const dropStages = () => db.raw(`DROP TABLE stage_sessions`);
  const version = transformVersion();
  const written = await db.raw(
    `INSERT INTO core.sessions AS s (${names}, inputs_key)
     SELECT ${SESSION_COLUMNS.map(([n]) => `st.${n}`).join(', ')}, ${inputsKeySql('r', 'c')}
       FROM stage_sessions st
       LEFT JOIN raw.sessions r ON r.tenant = etl.tenant() AND r.session_id = st.session_id
       LEFT JOIN raw.campaigns c ON c.tenant = etl.tenant() AND c.campaign_id = st.campaign_id
     ON CONFLICT (tenant, session_id) DO UPDATE SET ${updates}, inputs_key = EXCLUDED.inputs_key, loaded_at = now()
      WHERE s.facts_hash IS DISTINCT FROM EXCLUDED.facts_hash
     RETURNING session_id, created_at, (xmax <> 0) AS replaced`,
    [version],
  );
  // xmax is 0 on a freshly inserted row version: only replaced sessions have child rows to remove.
  const rows = written.rows as Array<{ session_id: number; created_at: Date; replaced: boolean }>;
  if (rows.length === 0) {
    await dropStages();
    await recordInputsKeys(db, batch.map((f) => f.session.session_id));
    return { changedIds: [] };
  }

  const changedIds = rows.map((r) => Number(r.session_id));
  const replacedIds = rows.filter((r) => r.replaced).map((r) => Number(r.session_id));
  const all = changedIds.length === sent.length;
  const changed = new Set(changedIds);
  const changedFacts = all ? sent : sent.filter((h) => changed.has(h.row.session_id));
  // The child rows of the changed sessions go straight into their tables (COPY): the old ones of
  // a replaced session are deleted first, and a new session has none, so nothing can conflict
  // (and no other unit writes these sessions meanwhile: load units hold their hours).
  for (const c of CHILD_TABLES) {
    if (replacedIds.length) await db.raw(`DELETE FROM ${c.table} WHERE tenant = etl.tenant() AND session_id = ANY(?::bigint[])`, [replacedIds]);
    // COPY names no tenant column: it takes its default, the connection's tenant.
    await copyInto(db, c.table, c.columns, changedFacts.flatMap((h) => c.rows(h.facts)));
  }
  await dropStages();
  if (!all || sent.length < batch.length) await recordInputsKeys(db, batch.map((f) => f.session.session_id).filter((id) => !changed.has(id)));
  await upsertDimensionsFromFacts(dimensionsDb, all ? batch : batch.filter((f) => changed.has(f.session.session_id)));

  let from = rows[0].created_at;
  let to = rows[0].created_at;
  for (const r of rows) {
    if (r.created_at < from) from = r.created_at;
    if (r.created_at > to) to = r.created_at;
  }
  // Half-open: the range must include the latest session itself.
  return { changedIds, createdRange: { from: from.toISOString(), to: new Date(to.getTime() + 1).toISOString() } };
}

/**
 * Sessions whose facts came out unchanged still record the inputs they were computed from now
 * (after a change of the transform's code that did not change their rows, say): otherwise every
 * reprocess would read them again. Writes only where the key differs.
 */
async function recordInputsKeys(db: Knex.Transaction, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.raw(
    `UPDATE core.sessions s SET inputs_key = k.key
       FROM (SELECT s2.session_id, ${inputsKeySql('r', 'c')} AS key
               FROM core.sessions s2 JOIN raw.sessions r ON r.tenant = s2.tenant AND r.session_id = s2.session_id
               LEFT JOIN raw.campaigns c ON c.tenant = s2.tenant AND c.campaign_id = s2.campaign_id
              WHERE s2.tenant = etl.tenant() AND s2.session_id = ANY(?::bigint[])) k
      WHERE s.tenant = etl.tenant() AND s.session_id = k.session_id AND s.inputs_key IS DISTINCT FROM k.key`,
    [transformVersion(), ids],
  );
}

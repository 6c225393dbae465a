/**
 * What mluvii anonymizes, the warehouse anonymizes (docs/privacy.md): the sessions mluvii
 * anonymized since the last sweep (GET /api/v1/Sessions?Anonymized.Min&Anonymized.Max) get the
 * payload mluvii returns now, without the fields docs/privacy.md lists, their copies removed from
 * disk and their file rows `deleted (anonymized)`.
 *
 * - The facts stay: they are rebuilt from the new payload and must give the same durations. Should
 *   mluvii's anonymized payload no longer carry what they were computed from, our own copy is kept
 *   instead, without its personal data (counted as `kept`): analysts' history never changes.
 * - A listed session that still carries messages or session parameters is not taken for
 *   anonymized (source-anonymized.ts); a page mostly of those says the API ignores the filter:
 *   the sweep stops before it erases anything of it. A session listed too large to hold loses
 *   its personal data from our own copy.
 * - An API that refuses the filter (400) or the list (403) leaves the checkpoint where it was and
 *   says why in etl.privacy_sweep: `status` and `doctor` say so loudly; the load is not affected.
 */
import { MluviiApiError, type ListedSession, type MluviiClient } from '../mluvii/client.js';
import { closeAbandonedErasures, finishErasure, sessionsWithoutPersonalData, startErasure, storedForErasure } from '../load/privacy-erasure.js';
import { earliestStoredSession } from '../load/privacy-match.js';
import { readSweepState, sweepProblem, sweptUntil } from '../load/privacy-sweep-state.js';
import { routingWithoutPersonalData, withoutPersonalData } from '../privacy/personal-fields.js';
import { looksAnonymized } from '../privacy/source-anonymized.js';
import { transformSession, type TransformResult } from '../transform/index.js';
import { payloadId } from '../util/json.js';
import { describeError } from './describe-error.js';
import { ERASE_BATCH, eraseSessions, type EraseDeps } from './erase-sessions.js';
import { isThinListItem } from './session-details.js';

/** Each sweep looks this far back before its checkpoint: an anonymization stamped a little late is not missed (re-listing costs nothing). */
const OVERLAP_MS = 3_600_000;

export interface SweepOutcome {
  /** Sessions of this warehouse whose personal data was removed now. */
  sessions: number;
  files: number;
  /** Of those, how many kept our own copy (mluvii's anonymized payload would have changed the durations). */
  keptOwnCopy: number;
  /** Listed as anonymized but still carrying messages or session parameters (stored here or not): left as they are. */
  notAnonymized: number;
  /** Why the sweep could not run; undefined when it did. */
  problem?: { kind: 'refused' | 'failed'; message: string };
}

/** The numbers a payload gives (file names and operator names aside): what must not change. */
function durations(r: TransformResult): string | undefined {
  if (r.kind === 'reject') return undefined;
  const { session, states, operators, routingEvents } = r.facts;
  return JSON.stringify([session, states, operators.map((o) => ({ ...o, user_name: null, first_name: null, last_name: null })), routingEvents]);
}

/** A list that is mostly sessions mluvii has not anonymized: the API ignores the filter. */
class FilterIgnored extends Error {}

const KEPT = 'sessions mluvii anonymizes keep their personal data here until RAW_RETENTION or `forget` removes it';

/** Why the sweep stopped, for etl.privacy_sweep: the API refused or ignored the filter, or failed; anything else is thrown on. */
function whyItCannotRun(err: unknown, listed: number): NonNullable<SweepOutcome['problem']> {
  if (err instanceof FilterIgnored) {
    return { kind: 'refused', message: `the API lists, for the Anonymized filter, sessions that still carry messages or session parameters (${listed} listed): it seems to ignore the filter, so nothing more was removed; ${KEPT}` };
  }
  if (!(err instanceof MluviiApiError)) throw err;
  if (err.status === 400 || err.status === 403) {
    return { kind: 'refused', message: `mluvii refuses to list anonymized sessions (${describeError(err)}): ${KEPT}; let the API user list sessions by the Anonymized filter` };
  }
  return { kind: 'failed', message: `the sweep of anonymized sessions failed: ${describeError(err)}; the next run tries again from the same point` };
}

export async function sweepAnonymized(deps: EraseDeps & { client: MluviiClient; now: Date }): Promise<SweepOutcome> {
  const { knex, client, now, logger } = deps;
  const outcome: SweepOutcome = { sessions: 0, files: 0, keptOwnCopy: 0, notAnonymized: 0 };
  await closeAbandonedErasures(knex);
  const state = await readSweepState(knex);
  const earliest = await earliestStoredSession(knex);
  const from = state.sweptUntil ? new Date(state.sweptUntil.getTime() - OVERLAP_MS) : earliest;
  if (!from || !earliest || from >= now) {
    // Nothing stored yet: nothing of ours can have been anonymized.
    await sweptUntil(knex, now, now);
    return outcome;
  }
  // Recorded in etl.erasures once there is something to erase (a night with none leaves no row).
  let erasureId: number | undefined;
  const erasure = async () => (erasureId ??= await startErasure(knex, 'anonymized', 'sessions', deps.runId));
  let listed = 0;
  try {
    let batch: ListedSession[] = [];
    for await (const item of client.listAnonymizedSessions({ from, to: now, createdFrom: earliest })) {
      listed += 1;
      batch.push(item);
      if (batch.length >= ERASE_BATCH) {
        await sweepBatch(deps, batch, erasure, outcome);
        batch = [];
      }
    }
    await sweepBatch(deps, batch, erasure, outcome);
  } catch (err) {
    if (erasureId !== undefined) await finishErasure(knex, erasureId, 'failed');
    outcome.problem = whyItCannotRun(err, listed);
    await sweepProblem(knex, outcome.problem.kind, outcome.problem.message, now);
    logger.warn({ kind: outcome.problem.kind }, outcome.problem.message);
    return outcome;
  }
  if (erasureId !== undefined) await finishErasure(knex, erasureId, 'done');
  await sweptUntil(knex, now, now);
  logger.info({ ...outcome }, 'sessions anonymized at mluvii swept');
  return outcome;
}

/** One batch of listed sessions: the ones this warehouse holds lose their personal data. */
async function sweepBatch(deps: EraseDeps & { client: MluviiClient }, items: ListedSession[], erasure: () => Promise<number>, outcome: SweepOutcome): Promise<void> {
  const byId = new Map<number, unknown>();
  let notWiped = 0;
  for (const item of items) {
    const id = item.id ?? payloadId(item.payload);
    if (id === undefined) continue;
    // Too large to hold as listed: our own copy loses its personal data (no replacement).
    if (item.oversized) byId.set(id, undefined);
    // Stored here or not: a listed session that is not anonymized says what the API does with the filter.
    else if (isThinListItem(item.payload) || looksAnonymized(item.payload)) byId.set(id, item.payload);
    else notWiped += 1;
  }
  outcome.notAnonymized += notWiped;
  // Before anything is erased: a batch mostly of sessions that still carry messages is no anonymized list.
  if (notWiped > 0 && notWiped * 2 >= notWiped + byId.size) throw new FilterIgnored();
  if (byId.size === 0) return;
  // Done by an earlier sweep (a sweep looks back a little): mluvii anonymizes once.
  const done = await sessionsWithoutPersonalData(deps.knex, [...byId.keys()], 'anonymized');
  const todo = [...byId.keys()].filter((id) => !done.has(id));
  const stored = await storedForErasure(deps.knex, todo);
  const replacements = new Map<number, unknown>();
  // A session this warehouse only set aside (no raw row) still has rejects quoting it.
  const storedIds = new Set(stored.map((r) => r.session_id));
  const erase: number[] = todo.filter((id) => !storedIds.has(id));
  for (const row of stored) {
    let payload = byId.get(row.session_id);
    if (payload === undefined) {
      erase.push(row.session_id);
      outcome.keptOwnCopy += 1;
      continue;
    }
    if (isThinListItem(payload)) payload = (await deps.client.getSession(row.session_id)) ?? payload;
    if (!looksAnonymized(payload)) {
      outcome.notAnonymized += 1;
      continue;
    }
    erase.push(row.session_id);
    const input = (p: unknown) => ({ payload: withoutPersonalData(p), routingHistory: routingWithoutPersonalData(row.routing_history), campaignMode: deps.campaignMode });
    const opts = { neverCompleted: row.completion_given_up_at !== null, textSanitized: row.text_sanitized };
    const now = durations(transformSession(input(payload), opts));
    if (now !== undefined && now === durations(transformSession(input(row.payload), { ...opts, textChecked: true }))) replacements.set(row.session_id, payload);
    else outcome.keptOwnCopy += 1;
  }
  if (erase.length === 0) return;
  const counts = await eraseSessions(deps, erase, { erasureId: await erasure(), why: 'anonymized', replacements, removeCopies: true });
  outcome.sessions += counts.sessions;
  outcome.files += counts.files;
}

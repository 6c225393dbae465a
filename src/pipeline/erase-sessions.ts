/**
 * Removing the personal data of stored sessions (docs/privacy.md), one transaction per batch:
 *
 * 1. download passes are kept off the batch's sessions (load/files-pass.ts) until it commits,
 *    and the hours they belong to are locked like a load unit's (load/session-hour-locks.ts);
 * 2. the stored payload (or the one mluvii returns now, for the sweep) and routing history are
 *    stored without their personal data (src/privacy), and the facts are rebuilt from them by the
 *    ordinary transform: the same numbers, no file names;
 * 3. the sessions are marked (every later load stores them without it again), their files will
 *    never be downloaded again and a stored copy is to be removed, their rejects keep only reason
 *    and ids, and etl.erasures counts the batch;
 * 4. after the commit, the copies are removed from disk, each row forgetting its path once its
 *    copy is gone. A process killed anywhere leaves either the batch undone (the rerun does it) or
 *    rows that still name their copies (any later erasure removes them first).
 */
import type { Knex } from 'knex';
import { namelessStoredPath } from '../files/safe-path.js';
import { moveStored, removeStored, storedSize } from '../files/store.js';
import { holdSessionsFromDownloads } from '../load/files-pass.js';
import { pseudonymizedOperatorIds } from '../load/operator-pseudonyms.js';
import {
  copyRemoved, countErased, eraseSessionFiles, forgetGonePaths, markPersonalDataRemoved, pendingRemovals, renameStoredCopy, storedCopiesOf, storedForErasure,
  trimRejectsOfSessions,
  type ErasureCounts, type ErasureReason,
} from '../load/privacy-erasure.js';
import { upsertRawSessions, type RawSession } from '../load/raw-sessions.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { hoursOf, lockSessionHours } from '../load/session-hour-locks.js';
import { inTransaction } from '../load/transaction.js';
import type { Logger } from '../log.js';
import type { CampaignModeLookup } from '../mluvii/types.js';
import { payloadWithPseudonyms, routingWithPseudonyms } from '../privacy/operator-pseudonym.js';
import { routingWithoutPersonalData, withoutPersonalData } from '../privacy/personal-fields.js';
import { sanitizeJson } from '../transform/index.js';
import { transformAndLoad, type ExtractedSession } from './transform-and-load.js';

/** Sessions per transaction. */
export const ERASE_BATCH = 200;

export interface EraseDeps {
  knex: Knex;
  runId: number;
  logger: Logger;
  campaignMode: CampaignModeLookup;
  /** MLUVII_FILES_DIR, for copies stored before their folder was recorded; undefined when unset. */
  filesDir: string | undefined;
  signal?: AbortSignal;
}

export interface SessionErasure {
  erasureId: number;
  why: ErasureReason;
  /** What to keep instead of the stored payload, by session id: what mluvii returns now (the sweep). */
  replacements?: ReadonlyMap<number, unknown>;
  /** Also remove the downloaded copies (not RAW_RETENTION: FILES_RETENTION governs those). */
  removeCopies: boolean;
  /** Called after each committed batch with the sessions done so far (progress, tests). */
  onBatch?: (done: number) => void;
}

/** Erases the personal data of the stored sessions among `ids`; returns what was done. */
export async function eraseSessions(deps: EraseDeps, ids: readonly number[], how: SessionErasure): Promise<ErasureCounts> {
  const total: ErasureCounts = { sessions: 0, files: 0, rejects: 0 };
  // What a killed erasure left on disk goes first.
  await removePendingCopies(deps);
  for (let i = 0; i < ids.length; i += ERASE_BATCH) {
    deps.signal?.throwIfAborted();
    const batch = ids.slice(i, i + ERASE_BATCH);
    const counts = await inTransaction(deps.knex, (trx) => eraseBatch(deps, trx, batch, how));
    total.sessions += counts.sessions;
    total.files += counts.files;
    total.rejects += counts.rejects;
    await removePendingCopies(deps);
    how.onBatch?.(Math.min(ids.length, i + ERASE_BATCH));
  }
  return total;
}

async function eraseBatch(deps: EraseDeps, trx: Knex.Transaction, ids: number[], how: SessionErasure): Promise<ErasureCounts> {
  await holdSessionsFromDownloads(trx, ids);
  const rows = await storedForErasure(trx, ids);
  // Before writing anything, the hours of these sessions, as every load unit takes them
  // (pipeline/load-unit.ts): a worker's unit writing one of them meanwhile waits, or is waited for.
  await lockSessionHours(trx, hoursOf(rows.map((r) => r.created_at)));
  const pseudonymized = await pseudonymizedOperatorIds(trx);
  const raws: RawSession[] = [];
  const items: ExtractedSession[] = [];
  for (const row of rows) {
    const replacement = how.replacements?.get(row.session_id);
    // What mluvii returns may hold text Postgres refuses; what raw holds cannot.
    const clean = replacement === undefined ? { value: row.payload, changed: false } : sanitizeJson(replacement);
    const payload = withoutPersonalData(payloadWithPseudonyms(clean.value, pseudonymized));
    const routingHistory = routingWithoutPersonalData(routingWithPseudonyms(row.routing_history, pseudonymized));
    const textSanitized = row.text_sanitized || clean.changed;
    raws.push({ sessionId: row.session_id, createdAt: row.created_key, payload, routingHistory, textSanitized });
    items.push({ payload, routingHistory, neverCompleted: row.completion_given_up_at !== null, textSanitized, textChecked: true });
  }
  // Raw first and whatever the transform makes of it: a payload it sets aside loses its personal data too.
  await upsertRawSessions(trx, raws);
  const loaded = await transformAndLoad(trx, items, { campaignMode: deps.campaignMode, writeRaw: false, rejectContext: { runId: deps.runId } });
  if (loaded.changedRange) await refreshReportingSummaries(trx, loaded.changedRange);
  const stored = rows.map((r) => r.session_id);
  await markPersonalDataRemoved(trx, stored, how.why);
  let files = 0;
  if (how.removeCopies) files = await eraseSessionFiles(trx, stored, how.why);
  else {
    await forgetGonePaths(trx, stored);
    await renameCopies(deps, trx, stored);
  }
  // Rejects of these ids, stored or not (a session that was only ever set aside has no raw row).
  const rejects = await trimRejectsOfSessions(trx, ids);
  const counts = { sessions: stored.length, files, rejects };
  await countErased(trx, how.erasureId, counts);
  return counts;
}

/**
 * RAW_RETENTION: the copies stay (FILES_RETENTION's), their names go — on disk first, then the
 * row in the batch's transaction. Killed in between, the rerun finds the copy under its new name.
 */
async function renameCopies(deps: EraseDeps, trx: Knex.Transaction, ids: number[]): Promise<void> {
  for (const copy of await storedCopiesOf(trx, ids)) {
    const to = namelessStoredPath(copy.stored_path, copy.file_key);
    if (to === copy.stored_path) continue;
    const root = copy.files_dir ?? deps.filesDir;
    if (!root) throw new Error(`a stored copy (session ${copy.session_id}, ${copy.file_key}) must lose its file name, but the folder it was stored under is unknown: set MLUVII_FILES_DIR`);
    if ((await storedSize(root, to)) !== copy.size_bytes) await moveStored(root, copy.stored_path, to);
    // Missing under both names: the row names no file either way, and no longer its name.
    await renameStoredCopy(trx, copy.session_id, copy.file_key, to);
  }
}

/** Removes from disk the copies erased sessions still have there; returns how many. */
export async function removePendingCopies(deps: Pick<EraseDeps, 'knex' | 'filesDir' | 'logger'>): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = await pendingRemovals(deps.knex, 200);
    if (batch.length === 0) break;
    for (const copy of batch) {
      const root = copy.files_dir ?? deps.filesDir;
      if (!root) {
        throw new Error(
          `a copy of an erased session (session ${copy.session_id}, ${copy.file_key}) is still on disk, but the folder it was stored under is unknown: set MLUVII_FILES_DIR to the downloads folder and run the command again`,
        );
      }
      await removeStored(root, copy.stored_path);
      await copyRemoved(deps.knex, copy.session_id, copy.file_key);
      removed += 1;
    }
  }
  if (removed) deps.logger.info({ removed }, 'copies of erased sessions removed from disk');
  return removed;
}

/**
 * The warehouse's own retention (docs/privacy.md), run by every nightly `run` and `privacy sweep`:
 *
 * - RAW_RETENTION: the stored payloads of sessions created longer ago lose their personal data,
 *   oldest first, a batch per transaction (erase-sessions.ts); the facts stay, rebuilt to the same
 *   numbers. The downloaded copies are FILES_RETENTION's.
 * - REJECTS_RETENTION: older rejects are deleted. And a reject keeps the text of its payload only
 *   until the next nightly run (on-call reads it the morning after), never past a day: every pass
 *   leaves every reject but those of its own run with its reason and ids.
 */
import { closeAbandonedErasures, countErased, finishErasure, startErasure } from '../load/privacy-erasure.js';
import { sessionsPastRetention } from '../load/privacy-match.js';
import { deleteRejectsBefore, trimRejectsBefore } from '../load/reject-retention.js';
import { inTransaction } from '../load/transaction.js';
import { ERASE_BATCH, eraseSessions, type EraseDeps } from './erase-sessions.js';

export interface RetentionSettings {
  /** RAW_RETENTION; undefined keeps payloads as received. */
  rawRetentionMs: number | undefined;
  /** REJECTS_RETENTION. */
  rejectsRetentionMs: number;
}

export interface RetentionOutcome {
  sessions: number;
  rejectsDeleted: number;
  rejectsTrimmed: number;
}

export async function applyRawRetention(deps: EraseDeps & { now: Date }, settings: RetentionSettings): Promise<RetentionOutcome> {
  const { knex, now, logger } = deps;
  const outcome: RetentionOutcome = { sessions: 0, rejectsDeleted: 0, rejectsTrimmed: 0 };
  await closeAbandonedErasures(knex);
  if (settings.rawRetentionMs !== undefined) {
    const before = new Date(now.getTime() - settings.rawRetentionMs);
    let erasureId: number | undefined;
    for (;;) {
      const ids = await sessionsPastRetention(knex, before, ERASE_BATCH * 5);
      if (ids.length === 0) break;
      erasureId ??= await startErasure(knex, 'retention', 'sessions', deps.runId);
      const counts = await eraseSessions(deps, ids, { erasureId, why: 'retention', removeCopies: false });
      outcome.sessions += counts.sessions;
    }
    if (erasureId !== undefined) await finishErasure(knex, erasureId, 'done');
  }
  const rejects = await inTransaction(knex, async (trx) => {
    const deleted = await deleteRejectsBefore(trx, new Date(now.getTime() - settings.rejectsRetentionMs));
    const trimmed = await trimRejectsBefore(trx, now, deps.runId);
    if (deleted + trimmed > 0) {
      const id = await startErasure(trx, 'retention', 'rejects', deps.runId);
      await countErased(trx, id, { sessions: 0, files: 0, rejects: deleted + trimmed });
      await finishErasure(trx, id, 'done');
    }
    return { deleted, trimmed };
  });
  outcome.rejectsDeleted = rejects.deleted;
  outcome.rejectsTrimmed = rejects.trimmed;
  if (outcome.sessions + outcome.rejectsDeleted + outcome.rejectsTrimmed > 0) logger.info({ ...outcome }, 'retention applied');
  return outcome;
}

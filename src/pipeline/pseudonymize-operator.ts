/**
 * `forget --operator`: a former employee's names give way to a pseudonym in every table — the
 * dimension, their session rows, the stored daily rows, and the stored payloads and routing
 * histories they appear in (rebuilt batch by batch, one transaction each, so the facts follow) —
 * while their user id, and every KPI of theirs, stays. Every later load applies the same
 * pseudonym (personal-data-guard.ts), and the /Users refresh leaves the row alone.
 */
import type { Knex } from 'knex';
import { countErased, storedForErasure } from '../load/privacy-erasure.js';
import { pseudonymizeOperatorRows } from '../load/operator-pseudonyms.js';
import { upsertRawSessions, type RawSession } from '../load/raw-sessions.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { hoursOf, lockSessionHours } from '../load/session-hour-locks.js';
import { inTransaction } from '../load/transaction.js';
import { operatorPseudonym, payloadWithPseudonyms, routingWithPseudonyms } from '../privacy/operator-pseudonym.js';
import { ERASE_BATCH, type EraseDeps } from './erase-sessions.js';
import { transformAndLoad, type ExtractedSession } from './transform-and-load.js';

export async function pseudonymizeOperator(deps: EraseDeps, userId: number, sessionIds: readonly number[], erasureId: number): Promise<number> {
  const pseudonym = operatorPseudonym(userId);
  const ids = new Set([userId]);
  await inTransaction(deps.knex, async (trx) => {
    await pseudonymizeOperatorRows(trx, userId, pseudonym);
    await countErased(trx, erasureId, { sessions: 0, files: 0, rejects: 0, operators: 1 });
  });
  let rewritten = 0;
  for (let i = 0; i < sessionIds.length; i += ERASE_BATCH) {
    deps.signal?.throwIfAborted();
    const batch = sessionIds.slice(i, i + ERASE_BATCH);
    rewritten += await inTransaction(deps.knex, (trx) => rewriteBatch(deps, trx, batch, ids, erasureId));
  }
  return rewritten;
}

async function rewriteBatch(deps: EraseDeps, trx: Knex.Transaction, batch: number[], ids: ReadonlySet<number>, erasureId: number): Promise<number> {
  const rows = await storedForErasure(trx, batch);
  // The sessions' hours, as every load unit takes them (a worker's unit of these sessions waits, or is waited for).
  await lockSessionHours(trx, hoursOf(rows.map((r) => r.created_at)));
  const raws: RawSession[] = [];
  const items: ExtractedSession[] = [];
  for (const row of rows) {
    const payload = payloadWithPseudonyms(row.payload, ids);
    const routingHistory = routingWithPseudonyms(row.routing_history, ids);
    raws.push({ sessionId: row.session_id, createdAt: row.created_key, payload, routingHistory, textSanitized: row.text_sanitized });
    items.push({ payload, routingHistory, neverCompleted: row.completion_given_up_at !== null, textSanitized: row.text_sanitized, textChecked: true });
  }
  await upsertRawSessions(trx, raws);
  const loaded = await transformAndLoad(trx, items, { campaignMode: deps.campaignMode, writeRaw: false, rejectContext: { runId: deps.runId } });
  if (loaded.changedRange) await refreshReportingSummaries(trx, loaded.changedRange);
  await countErased(trx, erasureId, { sessions: rows.length, files: 0, rejects: 0 });
  return rows.length;
}

import type { Knex } from 'knex';
import { markWindowDone } from '../load/etl-windows.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { inTransaction } from '../load/transaction.js';
import type { ListedSession, MluviiClient } from '../mluvii/client.js';
import { payloadCampaignId, payloadId } from '../util/json.js';
import type { TimeWindow } from '../util/time-range.js';
import type { CampaignModeCache } from './campaign-mode-cache.js';
import { withRoutingHistories } from './session-details.js';
import { transformAndLoad, mergeRange, type BatchResult, type ExtractedSession } from './transform-and-load.js';

export interface WindowLoadDeps {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModeCache;
  runId: number;
  /** Sessions per batch: routing histories of one batch are fetched concurrently. */
  batchSize: number;
  onSessions?: (n: number) => void;
  /** Aborted when the run must stop (the writer lock was lost): checked between batches. */
  signal?: AbortSignal;
}

/** The copy fetched last of each session listed more than once in a batch (one upsert may not touch a row twice). */
function lastCopies(items: ListedSession[]): ListedSession[] {
  const lastIndex = new Map<number, number>();
  items.forEach((item, i) => {
    const id = payloadId(item.payload);
    if (id !== undefined) lastIndex.set(id, i);
  });
  if (lastIndex.size === items.length) return items;
  return items.filter((item, i) => {
    const id = payloadId(item.payload);
    return id === undefined || lastIndex.get(id) === i;
  });
}

/**
 * Extracts one window and loads it in ONE transaction with its done mark: a crash
 * leaves either the whole window or none of it. Memory holds two batches at most, never the window.
 */
export async function loadWindow(deps: WindowLoadDeps, window: TimeWindow): Promise<BatchResult> {
  // When the connection dies mid-window, knex reports the failed ROLLBACK; the first error is the reason.
  let firstError: unknown;
  try {
    return await loadWindowInTransaction(deps, window, (err) => (firstError ??= err));
  } catch (err) {
    throw firstError !== undefined && firstError !== err ? firstError : err;
  }
}

async function loadWindowInTransaction(deps: WindowLoadDeps, window: TimeWindow, noteError: (err: unknown) => void): Promise<BatchResult> {
  const { knex, client, campaigns } = deps;
  return inTransaction(knex, async (trx) => {
    try {
      const total: BatchResult = { sessions: 0, sessionsChanged: 0, rejects: 0 };
      const write = async (items: ListedSession[], extracted: Promise<ExtractedSession[]>) => {
        const sessions = await extracted;
        deps.signal?.throwIfAborted();
        await campaigns.ensure(sessions.map((s) => payloadCampaignId(s.payload)).filter((id): id is number => id !== undefined), client, trx);
        const r = await transformAndLoad(trx, sessions, { campaignMode: campaigns.lookup, writeRaw: true, rejectContext: { runId: deps.runId, window }, listedFor: window });
        total.sessions += r.sessions;
        total.sessionsChanged += r.sessionsChanged;
        total.rejects += r.rejects;
        total.changedRange = mergeRange(total.changedRange, r.changedRange);
        deps.onSessions?.(items.length);
      };

      // Two batches overlap: the routing histories of batch N+1 are requested while batch N is
      // written, and the next list page queues right behind them, so the rate limiter never idles.
      // Writes stay one after another on the transaction; at most two batches are in memory.
      let writing: Promise<void> = Promise.resolve();
      const flush = async (items: ListedSession[]) => {
        deps.signal?.throwIfAborted();
        const unique = lastCopies(items);
        const extracted = withRoutingHistories(client, unique);
        extracted.catch(() => undefined); // awaited in write(); this only keeps it from counting as unhandled meanwhile
        const previous = writing;
        writing = previous.then(() => write(unique, extracted));
        writing.catch(() => undefined); // its failure surfaces at the next await of it, not as an unhandled rejection
        await previous;
      };

      let batch: ListedSession[] = [];
      try {
        for await (const item of client.listSessions(window)) {
          batch.push(item);
          if (batch.length >= deps.batchSize) {
            await flush(batch);
            batch = [];
          }
        }
        if (batch.length) await flush(batch);
      } finally {
        // Never leave a write running on the transaction, even when listing failed.
        await writing.catch(() => undefined);
      }
      await writing;
      deps.signal?.throwIfAborted();
      if (total.changedRange) await refreshReportingSummaries(trx, total.changedRange);
      await markWindowDone(trx, window, deps.runId, total);
      return total;
    } catch (err) {
      noteError(err);
      throw err;
    }
  });
}

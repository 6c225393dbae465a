import type { Knex } from 'knex';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { CampaignModes } from './campaign-modes.js';
import { markWindowDone } from './checkpoints.js';
import { loadBatch, mergeRange, type BatchResult, type ExtractedSession } from './load-batch.js';
import type { TimeWindow } from './windows.js';

export interface WindowJobDeps {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModes;
  runId: number;
  /** Sessions per batch: routing histories of one batch are fetched concurrently. */
  batchSize: number;
  onSessions?: (n: number) => void;
}

const numericId = (payload: unknown): number | undefined => {
  const id = payload && typeof payload === 'object' ? (payload as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
};

export const campaignIdOf = (payload: unknown): number | undefined => {
  const id = payload && typeof payload === 'object' ? (payload as { campaignId?: unknown }).campaignId : undefined;
  return typeof id === 'number' ? id : undefined;
};

/** Routing histories of a batch, fetched concurrently (the client's limiter bounds the rate). */
async function withRoutingHistories(client: MluviiClient, payloads: unknown[]): Promise<ExtractedSession[]> {
  return Promise.all(
    payloads.map(async (payload) => {
      const id = numericId(payload);
      return { payload, routingHistory: id === undefined ? undefined : await client.getRoutingHistory(id) };
    }),
  );
}

/**
 * Extracts one window and loads it in ONE transaction with its done mark (design.md): a crash
 * leaves either the whole window or none of it. Memory holds two batches at most, never the window.
 */
export async function loadWindow(deps: WindowJobDeps, window: TimeWindow): Promise<BatchResult> {
  const { knex, client, campaigns } = deps;
  return knex.transaction(async (trx) => {
    const total: BatchResult = { sessions: 0, sessionsChanged: 0, rejects: 0 };
    const write = async (payloads: unknown[], extracted: Promise<ExtractedSession[]>) => {
      const sessions = await extracted;
      await campaigns.ensure(payloads.map(campaignIdOf).filter((id): id is number => id !== undefined), client, trx);
      const r = await loadBatch(trx, sessions, { campaignMode: campaigns.lookup, writeRaw: true, rejectContext: { runId: deps.runId, window } });
      total.sessions += r.sessions;
      total.sessionsChanged += r.sessionsChanged;
      total.rejects += r.rejects;
      total.changedRange = mergeRange(total.changedRange, r.changedRange);
      deps.onSessions?.(payloads.length);
    };

    // Two batches overlap: the routing histories of batch N+1 are requested while batch N is
    // written, and the next list page queues right behind them, so the rate limiter never idles.
    // Writes stay one after another on the transaction; at most two batches are in memory.
    let writing: Promise<void> = Promise.resolve();
    const flush = async (payloads: unknown[]) => {
      const extracted = withRoutingHistories(client, payloads);
      extracted.catch(() => undefined); // awaited in write(); this only keeps it from counting as unhandled meanwhile
      const previous = writing;
      writing = previous.then(() => write(payloads, extracted));
      writing.catch(() => undefined); // its failure surfaces at the next await of it, not as an unhandled rejection
      await previous;
    };

    let batch: unknown[] = [];
    try {
      for await (const item of client.listSessions(window)) {
        batch.push(item.payload);
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
    if (total.changedRange) await refreshReportingSummaries(trx, total.changedRange);
    await markWindowDone(trx, window, deps.runId, total);
    return total;
  });
}

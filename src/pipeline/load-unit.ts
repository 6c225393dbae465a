import type { Knex } from 'knex';
import { yieldToWriters } from '../load/file-downloads.js';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { hoursOf, lockSessionHours } from '../load/session-hour-locks.js';
import { inTransaction } from '../load/transaction.js';
import type { TimeWindow } from '../util/time-range.js';
import { mergeRange, transformAndLoad, type BatchResult, type ExtractedSession, type TransformAndLoadOptions } from './transform-and-load.js';

/**
 * THE routine every write of sessions goes through (a window, an incomplete re-fetch, a campaign
 * re-read, a reprocess batch, a session re-fetched for its files): one transaction that
 *   1. locks the hours its sessions belong to (load/session-hour-locks.ts), so units of one tenant
 *      on several workers never overlap nor deadlock,
 *   2. transforms and loads its batches (transform-and-load.ts); the names of operators, groups
 *      and campaigns, rows every unit shares, are written apart in short statements of their own,
 *      so that no unit holds them while it runs,
 *   3. refreshes the reporting summaries of the days that changed,
 * and commits facts and KPIs together, or nothing.
 */

export interface LoadUnitScope {
  /** The tenant's pool (db/tenant-knex.ts): the hour locks, like every row, are the connection's tenant's. */
  knex: Knex;
}

export interface LoadUnitOptions {
  /**
   * The hours to lock before anything else (a window: all of it). Without them, a unit's single
   * batch locks the hours of its own sessions once it is transformed; a unit of several batches
   * must name its hours here, since locks taken later could come out of order.
   */
  hours?: Array<Date | TimeWindow>;
  /** A download pass's re-fetch: give up (lock_timeout) rather than make a loading window wait. */
  yieldToWriters?: boolean;
  /** `by-caller`: the caller refreshes the summaries itself (reprocess refreshes a day once it has moved past it). */
  summaries?: 'at-end' | 'by-caller';
}

export interface LoadUnit {
  readonly trx: Knex.Transaction;
  /** What the unit loaded so far. */
  readonly totals: BatchResult;
  load(batch: ExtractedSession[], opts: TransformAndLoadOptions): Promise<BatchResult>;
  /** Refreshes the summaries of `range`, or of the days changed so far and not yet refreshed. */
  refreshSummaries(range?: { from: string; to: string }): Promise<void>;
}

export async function inLoadUnit<T>(scope: LoadUnitScope, options: LoadUnitOptions, work: (unit: LoadUnit) => Promise<T>): Promise<{ value: T; totals: BatchResult }> {
  // When the connection dies mid-unit, knex reports the failed ROLLBACK; the first error is the reason.
  let firstError: unknown;
  try {
    return await inTransaction(scope.knex, async (trx) => {
      try {
        return await runUnit(scope, options, trx, work);
      } catch (err) {
        firstError ??= err;
        throw err;
      }
    });
  } catch (err) {
    throw firstError !== undefined && firstError !== err ? firstError : err;
  }
}

async function runUnit<T>(scope: LoadUnitScope, options: LoadUnitOptions, trx: Knex.Transaction, work: (unit: LoadUnit) => Promise<T>): Promise<{ value: T; totals: BatchResult }> {
  if (options.yieldToWriters) await yieldToWriters(trx);
  const upfront = options.hours !== undefined;
  if (upfront) await lockSessionHours(trx, hoursOf(options.hours ?? []));
  let batches = 0;
  let pending: { from: string; to: string } | undefined;
  const totals: BatchResult = { sessions: 0, sessionsChanged: 0, rejects: 0 };
  const lockOwnHours = async (createdAts: string[]): Promise<boolean> => {
    if (upfront) return false;
    if (batches > 1) throw new Error('a load unit of several batches must name its hours up front (LoadUnitOptions.hours)');
    await lockSessionHours(trx, hoursOf(createdAts.map((c) => new Date(c))));
    return true;
  };
  const unit: LoadUnit = {
    trx,
    totals,
    async load(batch, opts) {
      batches += 1;
      // A unit that yields to writers (one session, re-fetched by a download pass that runs many at
      // once) keeps its names in its own transaction: it holds them for a moment, and apart they
      // would need a second connection per unit from a pool its siblings already fill.
      const r = await transformAndLoad(trx, batch, { ...opts, beforeWrite: lockOwnHours, dimensionsDb: options.yieldToWriters ? undefined : scope.knex });
      totals.sessions += r.sessions;
      totals.sessionsChanged += r.sessionsChanged;
      totals.rejects += r.rejects;
      totals.changedRange = mergeRange(totals.changedRange, r.changedRange);
      pending = mergeRange(pending, r.changedRange);
      return r;
    },
    async refreshSummaries(range) {
      const what = range ?? pending;
      if (!range) pending = undefined;
      if (what) await refreshReportingSummaries(trx, what);
    },
  };
  const value = await work(unit);
  if (options.summaries !== 'by-caller') await unit.refreshSummaries();
  return { value, totals };
}

import { doneMarkOfRun, markWindowDone, markWindowFailed, uncoveredParts } from '../load/etl-windows.js';
import { isCredentialsRefused } from '../exit-codes.js';
import { MluviiApiError, type ListedSession } from '../mluvii/client.js';
import { payloadCampaignId, payloadId } from '../util/json.js';
import type { TimeWindow } from '../util/time-range.js';
import { describeError } from './describe-error.js';
import { inLoadUnit, type LoadUnit } from './load-unit.js';
import { settledLine } from './next-run.js';
import { withRoutingHistories } from './session-details.js';
import type { BatchResult, ExtractedSession } from './transform-and-load.js';
import type { UnitContext, UnitOutcome } from './unit-types.js';
import { describeWindow } from './windows.js';

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

const reason = (err: unknown): string =>
  err instanceof MluviiApiError ? `${err.message} (endpoint ${err.endpoint}, status ${err.status ?? 'none'}, ${err.attempts} attempts)` : describeError(err);

/**
 * THE unit of a window, whoever runs it (the loop of one process, or a worker's job): in ONE
 * transaction that holds the window's hour locks, the parts of it no done window covers yet
 * (all of it with `force`) are listed, fetched, loaded and marked done, with the summaries of
 * their days. A crash leaves all of it or none. Checked under the locks, so a window that another
 * worker loaded meanwhile (or this run's own earlier attempt) is not loaded twice. A window that
 * fails is marked failed with its reason; the outcome says whether the API looks down.
 */
export async function loadWindowUnit(ctx: UnitContext, window: TimeWindow, force: boolean): Promise<UnitOutcome> {
  const outcome: UnitOutcome = { kind: 'window', counts: {}, failures: [] };
  // The loop cut its windows at the settled line (window-loop.ts); a job is checked again where it
  // runs, by this machine's clock: a window whose sessions may still change is never marked done
  // (a job written by hand, a coordinator whose clock runs ahead). Nothing is loaded or marked.
  const settled = settledLine(ctx.tenant.config, new Date());
  if (window.to > settled) {
    const why = `window ${describeWindow(window)} ends after now − ETL_SETTLE (${settled.toISOString()} on this machine): not loaded, since what is later has not settled yet; the next run loads it`;
    ctx.logger.error({ window: describeWindow(window) }, why);
    outcome.failures.push(why);
    return outcome;
  }
  let parts: TimeWindow[] = [window];
  try {
    await inLoadUnit({ knex: ctx.knex }, { hours: [window] }, async (unit) => {
      parts = force ? [window] : await uncoveredParts(unit.trx, window);
      if (parts.length === 0) {
        const earlier = await doneMarkOfRun(unit.trx, window, ctx.runId);
        if (earlier) outcome.counts = { windowsDone: 1, sessionsSeen: earlier.sessions, sessionsChanged: earlier.sessionsChanged, rejects: earlier.rejects };
        else outcome.counts = { windowsSkipped: 1 };
        return;
      }
      let done = 0;
      const loaded: BatchResult = { sessions: 0, sessionsChanged: 0, rejects: 0 };
      for (const part of parts) {
        const r = await loadPart(ctx, unit, part);
        loaded.sessions += r.sessions;
        loaded.sessionsChanged += r.sessionsChanged;
        loaded.rejects += r.rejects;
        done += 1;
      }
      ctx.signal?.throwIfAborted();
      outcome.counts = { windowsDone: done, sessionsSeen: loaded.sessions, sessionsChanged: loaded.sessionsChanged, rejects: loaded.rejects };
    });
  } catch (err) {
    outcome.counts = {};
    if (ctx.signal?.aborted) {
      outcome.interrupted = true;
      outcome.failures.push(`window ${describeWindow(window)}: not finished`);
      return outcome;
    }
    const why = reason(err);
    outcome.counts = { windowsFailed: 1 };
    outcome.failures.push(`window ${describeWindow(window)}: ${why}`);
    ctx.logger.error({ window: describeWindow(window), error: why }, 'window failed');
    for (const part of parts) await markWindowFailed(ctx.knex, part, ctx.runId, why);
    if (err instanceof MluviiApiError) {
      if (err.kind === 'auth' || err.outage === 'certain') outcome.outage = 'certain';
      else if (err.outage === 'possible') outcome.outage = 'possible';
      if (isCredentialsRefused(err)) outcome.credentialsRefused = true;
    }
    return outcome;
  }
  ctx.logger.debug({ window: describeWindow(window), ...outcome.counts }, 'window done');
  return outcome;
}

/**
 * One part of the window inside the unit: the list is paged through and cut into batches; the
 * routing histories of batch N+1 are requested while batch N is written, and the next list page
 * queues right behind them, so the rate limiter never idles. Writes stay one after another on the
 * transaction; at most two batches are in memory, never the window. Then the part's done mark,
 * after the summaries of its days (so they commit together).
 */
async function loadPart(ctx: UnitContext, unit: LoadUnit, part: TimeWindow): Promise<BatchResult> {
  const client = ctx.client();
  const batchSize = ctx.tenant.config.mluviiPageSize;
  const total: BatchResult = { sessions: 0, sessionsChanged: 0, rejects: 0 };
  const write = async (items: ListedSession[], extracted: Promise<ExtractedSession[]>) => {
    const sessions = await extracted;
    ctx.signal?.throwIfAborted();
    // Outside the unit's transaction (the pool): campaign rows are shared by every window (load-unit.ts).
    await ctx.campaigns.ensure(sessions.map((s) => payloadCampaignId(s.payload)).filter((id): id is number => id !== undefined), client, ctx.knex);
    const r = await unit.load(sessions, { campaignMode: ctx.campaigns.lookup, writeRaw: true, rejectContext: { runId: ctx.runId, window: part }, listedFor: part });
    total.sessions += r.sessions;
    total.sessionsChanged += r.sessionsChanged;
    total.rejects += r.rejects;
    ctx.onSessions?.(items.length);
  };
  let writing: Promise<void> = Promise.resolve();
  const flush = async (items: ListedSession[]) => {
    ctx.signal?.throwIfAborted();
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
    for await (const item of client.listSessions(part)) {
      batch.push(item);
      if (batch.length >= batchSize) {
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
  ctx.signal?.throwIfAborted();
  await unit.refreshSummaries();
  await markWindowDone(unit.trx, part, ctx.runId, total);
  return total;
}

import { sessionsToReprocess } from '../load/reprocess-source.js';
import { transformVersion } from '../util/transform-version.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { inLoadUnit } from './load-unit.js';
import { fromStoredRaw, mergeRange } from './transform-and-load.js';
import type { UnitContext, UnitOutcome, UnitRequest } from './unit-types.js';

/** Sessions read, transformed and written per transaction. */
export const REPROCESS_BATCH = 1000;

/**
 * THE unit of `reprocess`: the stored raw sessions of one slice (all of them in a single process;
 * a part of them per job on the workers) rebuilt with no API calls. Raw is read in keyset-paged
 * batches, the next one while the current one is transformed and written, so Node and Postgres
 * work at the same time and memory stays flat; each batch is its own load unit. The reporting
 * summaries are not refreshed here: refreshing a day recomputes its week and month too (a second
 * or more on a large warehouse, under a lock every load shares), so the command refreshes every
 * day its slices changed once, at the end (reprocess.ts), from the range each outcome reports. A
 * retried slice (its worker died) finds its finished batches unchanged, so it reports its whole
 * span as changed: the dead attempt's days are refreshed too.
 */
export async function reprocessSliceUnit(ctx: UnitContext, req: Extract<UnitRequest, { kind: 'reprocess' }>): Promise<UnitOutcome> {
  const outcome: UnitOutcome = { kind: 'reprocess', counts: { sessionsSeen: 0, sessionsChanged: 0, rejects: 0 }, failures: [] };
  const counts = outcome.counts as Required<Pick<typeof outcome.counts, 'sessionsSeen' | 'sessionsChanged' | 'rejects'>>;
  if (ctx.attempt > 0 && req.span) outcome.changedRange = req.span;
  const scope = { knex: ctx.knex };
  const campaigns = await CampaignModeCache.fromDatabase(ctx.knex);
  const selection = { transformVersion: transformVersion(), from: req.from, to: req.to, force: req.force };
  const readBatch = (after: { created: string; id: number } | undefined) => sessionsToReprocess(ctx.knex, selection, after, REPROCESS_BATCH, req.upTo);
  let next = readBatch(req.after);
  try {
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      ctx.signal?.throwIfAborted();
      const last = rows[rows.length - 1];
      next = readBatch({ created: last.created_key, id: last.session_id });
      const { totals } = await inLoadUnit(scope, { summaries: 'by-caller' }, (unit) =>
        unit.load(rows.map(fromStoredRaw), {
          campaignMode: campaigns.lookup,
          writeRaw: false,
          rejectContext: { runId: ctx.runId },
          storedHashes: new Map(rows.filter((row) => row.facts_hash !== null).map((row) => [row.session_id, row.facts_hash as string])),
        }),
      );
      counts.sessionsSeen += totals.sessions;
      counts.sessionsChanged += totals.sessionsChanged;
      counts.rejects += totals.rejects;
      outcome.changedRange = mergeRange(outcome.changedRange, totals.changedRange);
      ctx.onBatch?.(rows.length);
    }
  } catch (err) {
    if (!ctx.signal?.aborted) throw err;
    // Stopped: the batch in progress rolled back; what the batches before it wrote is kept, counted, and its days refreshed by the command.
    outcome.interrupted = true;
  } finally {
    await next.catch(() => undefined);
  }
  return outcome;
}

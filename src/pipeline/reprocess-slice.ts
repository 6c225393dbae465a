import { sessionsToReprocess, startOfReportDay } from '../load/reprocess-source.js';
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
 * work at the same time and memory stays flat. Each batch is its own load unit; a day's summaries
 * are refreshed once the batches have moved past it, the rest at the end. A retried slice (its
 * worker died) finds its finished batches unchanged and writes nothing for them, so it refreshes
 * the summaries of its whole span instead, which the dead attempt may have left behind.
 */
export async function reprocessSliceUnit(ctx: UnitContext, req: Extract<UnitRequest, { kind: 'reprocess' }>): Promise<UnitOutcome> {
  const outcome: UnitOutcome = { kind: 'reprocess', counts: { sessionsSeen: 0, sessionsChanged: 0, rejects: 0 }, failures: [] };
  const counts = outcome.counts as Required<Pick<typeof outcome.counts, 'sessionsSeen' | 'sessionsChanged' | 'rejects'>>;
  const scope = { knex: ctx.knex, tenant: ctx.tenant.name };
  const campaigns = await CampaignModeCache.fromDatabase(ctx.knex);
  const selection = { transformVersion: transformVersion(), from: req.from, to: req.to, force: req.force };
  const readBatch = (after: { created: string; id: number } | undefined) => sessionsToReprocess(ctx.knex, selection, after, REPROCESS_BATCH, req.upTo);
  let pending: { from: string; to: string } | undefined;
  let next = readBatch(req.after);
  try {
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      ctx.signal?.throwIfAborted();
      const last = rows[rows.length - 1];
      next = readBatch({ created: last.created_key, id: last.session_id });
      const { totals } = await inLoadUnit(scope, { summaries: 'by-caller' }, async (unit) => {
        const r = await unit.load(rows.map(fromStoredRaw), {
          campaignMode: campaigns.lookup,
          writeRaw: false,
          rejectContext: { runId: ctx.runId },
          storedHashes: new Map(rows.filter((row) => row.facts_hash !== null).map((row) => [row.session_id, row.facts_hash as string])),
        });
        pending = mergeRange(pending, r.changedRange);
        if (!pending) return;
        const dayStart = await startOfReportDay(unit.trx, last.created_key);
        if (pending.from < dayStart) {
          await unit.refreshSummaries({ from: pending.from, to: pending.to < dayStart ? pending.to : dayStart });
          pending = pending.to > dayStart ? { from: dayStart, to: pending.to } : undefined;
        }
      });
      counts.sessionsSeen += totals.sessions;
      counts.sessionsChanged += totals.sessionsChanged;
      counts.rejects += totals.rejects;
      ctx.onBatch?.(rows.length);
    }
    const rest = ctx.attempt > 0 && req.span ? mergeRange(pending, req.span) : pending;
    if (rest) await inLoadUnit(scope, { summaries: 'by-caller' }, (unit) => unit.refreshSummaries(rest));
  } catch (err) {
    if (!ctx.signal?.aborted) throw err;
    // Stopped: the batch in progress rolled back; what the batches before it wrote is kept (and counted).
    outcome.interrupted = true;
  } finally {
    await next.catch(() => undefined);
  }
  return outcome;
}

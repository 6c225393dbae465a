import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { countSessionsToReprocess, countStoredSessions, countWithoutPersonalData, sessionsToReprocess, startOfReportDay } from '../load/reprocess-source.js';
import { inTransaction } from '../load/transaction.js';
import { transformVersion } from '../util/transform-version.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { createProgress } from './progress.js';
import { fromStoredRaw, transformAndLoad, mergeRange } from './transform-and-load.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

const BATCH = 1000;

/**
 * Rebuilds core from raw with no API calls (after a metrics fix). Reads raw in keyset-paged
 * batches, so memory stays flat whatever the size; each batch is its own transaction, and an
 * unchanged session writes nothing, so a killed reprocess can simply be run again (the next
 * writer then rebuilds the reporting summaries the killed one may have left behind).
 */
export async function reprocessRange({ config, logger, print }: Omit<WriterRunHost, 'client'>, { from, to, force = false }: { from?: Date; to?: Date; force?: boolean }): Promise<number> {
  const args = { from: from?.toISOString(), to: to?.toISOString(), ...(force ? { force } : {}) };
  return runAsWriter({ config, logger, print }, 'reprocess', args, async ({ knex, runId, counts, logger: log }) => {
    const campaigns = await CampaignModeCache.fromDatabase(knex);
    const version = transformVersion();
    const selection = { transformVersion: version, from: args.from, to: args.to, force };
    const total = await countSessionsToReprocess(knex, selection);
    log.info({ sessions: total }, `${total} session(s) may change; the others' stored inputs and transform are unchanged`);
    if (total === 0) {
      const stored = await countStoredSessions(knex, selection);
      print(
        stored === 0
          ? 'reprocess: no stored session in the range: nothing to rebuild'
          : `reprocess: nothing to do: the ${stored.toLocaleString('en-US')} stored session(s) in the range were built from their stored payloads by this version of the transform, with the campaign modes known now (no change since they were last built); --force rebuilds them anyway`,
      );
    }
    const withoutPersonalData = total > 0 ? await countWithoutPersonalData(knex, selection) : 0;
    if (withoutPersonalData > 0) {
      print(
        `reprocess: ${withoutPersonalData.toLocaleString('en-US')} of these session(s) had their personal data removed (anonymized at mluvii, RAW_RETENTION or forget): ` +
          'their payloads keep every field the durations are computed from, so they are rebuilt to the same numbers; names of files are gone (docs/privacy.md)',
      );
    }
    const progress = createProgress({ totalWindows: Math.ceil(total / BATCH), logger: log, label: 'reprocess' });
    // The next batch is read while the current one is transformed and written: Node and
    // Postgres then work at the same time on these 2-core machines.
    const readBatch = (after: { created: string; id: number } | undefined) => sessionsToReprocess(knex, selection, after, BATCH);
    // Summaries of a day are refreshed once, when the batches have moved past it (not once per batch).
    let pending: { from: string; to: string } | undefined;
    let next = readBatch(undefined);
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        const last = rows[rows.length - 1];
        next = readBatch({ created: last.created_key, id: last.session_id });
        await inTransaction(knex, async (trx) => {
          const r = await transformAndLoad(
            trx,
            rows.map(fromStoredRaw),
            {
              campaignMode: campaigns.lookup,
              writeRaw: false,
              rejectContext: { runId },
              storedHashes: new Map(rows.filter((row) => row.facts_hash !== null).map((row) => [row.session_id, row.facts_hash as string])),
            },
          );
          pending = mergeRange(pending, r.changedRange);
          if (pending) {
            const dayStart = await startOfReportDay(trx, last.created_key);
            if (pending.from < dayStart) {
              await refreshReportingSummaries(trx, { from: pending.from, to: pending.to < dayStart ? pending.to : dayStart });
              pending = pending.to > dayStart ? { from: dayStart, to: pending.to } : undefined;
            }
          }
          counts.sessionsSeen += r.sessions;
          counts.sessionsChanged += r.sessionsChanged;
          counts.rejects += r.rejects;
        });
        counts.windowsDone += 1;
        progress.addSessions(rows.length);
        progress.windowFinished();
      }
      const rest = pending;
      if (rest) await inTransaction(knex, (trx) => refreshReportingSummaries(trx, rest));
    } finally {
      progress.stop();
      await next.catch(() => undefined);
    }
    if (total > 0 && counts.sessionsChanged === 0) {
      print(`reprocess: ${counts.sessionsSeen.toLocaleString('en-US')} session(s) rebuilt, none changed: their facts came out exactly as stored, so nothing was written`);
    }
    return { failures: [] };
  });
}

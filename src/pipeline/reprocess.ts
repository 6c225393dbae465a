import { countSessionsToReprocess, countStoredSessions, countWithoutPersonalData, reprocessSliceBounds } from '../load/reprocess-source.js';
import { tenantOf } from '../tenants/tenant.js';
import { transformVersion } from '../util/transform-version.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { createProgress } from './progress.js';
import { REPROCESS_BATCH } from './reprocess-slice.js';
import { inLoadUnit } from './load-unit.js';
import { mergeRange } from './transform-and-load.js';
import { addUnitCounts, type UnitRequest } from './unit-types.js';
import { inProcessRunner, type RunnerFactory } from './unit-runner.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/** Sessions per reprocess job when the workers share the work (about 5–30 s of work each). */
export const REPROCESS_JOB_SESSIONS = 5_000;

/**
 * Rebuilds core from raw with no API calls (after a metrics fix): the sessions whose stored
 * inputs or transform changed (all of them with `force`). In one process it is one slice
 * (reprocess-slice.ts), read in keyset-paged batches of their own transactions, so memory stays
 * flat and a killed reprocess can simply be run again (the next writer then rebuilds the
 * reporting summaries the killed one left behind). With the workers it is cut into slices, one
 * job each, that run side by side. Then the summaries of every day that changed are refreshed,
 * once.
 */
export async function reprocessRange(
  { config, logger, print, queued }: Omit<WriterRunHost, 'client'>,
  { from, to, force = false }: { from?: Date; to?: Date; force?: boolean },
  runnerFor: RunnerFactory = inProcessRunner,
): Promise<number> {
  const args = { from: from?.toISOString(), to: to?.toISOString(), ...(force ? { force } : {}) };
  const tenant = tenantOf(config);
  return runAsWriter({ config, logger, print, queued }, 'reprocess', args, async ({ knex, runId, counts, logger: log, signal }) => {
    const selection = { transformVersion: transformVersion(), from: args.from, to: args.to, force };
    const runner = runnerFor({ tenant, knex, client: noApi, campaigns: CampaignModeCache.fresh(log), runId, logger: log, signal });
    const whole = { kind: 'reprocess' as const, from: args.from, to: args.to, force };
    let requests: UnitRequest[] = [whole];
    let total: number;
    if (runner.inProcess) total = await countSessionsToReprocess(knex, selection);
    else {
      // On the workers: slices of about REPROCESS_JOB_SESSIONS (at least 16 of them, for an even
      // spread), the last one open-ended so that a session stored meanwhile is not left out.
      const { bounds, total: n } = await reprocessSliceBounds(knex, selection, { slices: 16, min: REPROCESS_BATCH, max: REPROCESS_JOB_SESSIONS });
      total = n;
      requests = bounds.map((b, i) => ({ ...whole, after: i === 0 ? undefined : bounds[i - 1].upTo, upTo: i === bounds.length - 1 ? undefined : b.upTo, span: b.span }));
    }
    log.info({ sessions: total, jobs: runner.inProcess ? undefined : requests.length }, `${total} session(s) may change; the others' stored inputs and transform are unchanged`);
    if (total === 0) {
      const stored = await countStoredSessions(knex, selection);
      print(
        stored === 0
          ? 'reprocess: no stored session in the range: nothing to rebuild'
          : `reprocess: nothing to do: the ${stored.toLocaleString('en-US')} stored session(s) in the range were built from their stored payloads by this version of the transform, with the campaign modes known now (no change since they were last built); --force rebuilds them anyway`,
      );
      return { failures: [] };
    }
    const withoutPersonalData = await countWithoutPersonalData(knex, selection);
    if (withoutPersonalData > 0) {
      print(
        `reprocess: ${withoutPersonalData.toLocaleString('en-US')} of these session(s) had their personal data removed (anonymized at mluvii, RAW_RETENTION or forget): ` +
          'their payloads keep every field the durations are computed from, so they are rebuilt to the same numbers; names of files are gone (docs/privacy.md)',
      );
    }
    const progress = createProgress({ totalWindows: Math.ceil(total / REPROCESS_BATCH), logger: log, label: 'reprocess' });
    const failures: string[] = [];
    let changed: { from: string; to: string } | undefined;
    try {
      await runner.run(
        requests,
        (outcome) => {
          addUnitCounts(counts, outcome.counts);
          failures.push(...outcome.failures);
          changed = mergeRange(changed, outcome.changedRange);
          if (runner.inProcess) return;
          const seen = outcome.counts.sessionsSeen ?? 0;
          progress.addSessions(seen);
          for (let i = 0; i < Math.ceil(seen / REPROCESS_BATCH); i++) progress.windowFinished();
        },
        {
          onBatch: (n) => {
            progress.addSessions(n);
            progress.windowFinished();
          },
        },
      );
    } finally {
      progress.stop();
      // Every day the slices changed, once (also after an interruption: what was written is kept).
      const range = changed;
      if (range) {
        log.info(range, 'refreshing the reporting summaries of the days that changed');
        await inLoadUnit({ knex }, { summaries: 'by-caller' }, (unit) => unit.refreshSummaries(range));
      }
    }
    if (counts.sessionsChanged === 0 && failures.length === 0 && !signal.aborted) {
      print(`reprocess: ${counts.sessionsSeen.toLocaleString('en-US')} session(s) rebuilt, none changed: their facts came out exactly as stored, so nothing was written`);
    }
    return { failures };
  });
}

const noApi = (): never => {
  throw new Error('reprocess makes no API calls');
};

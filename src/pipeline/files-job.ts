import { requireDatabaseUrl } from '../config.js';
import { openFilesPass } from '../load/files-pass.js';
import { clientFromConfig } from './client-from-config.js';
import { downloadFiles, fileJobSettings, fileTotalsSummary, MAX_LISTED_FAILURES } from './files.js';
import type { UnitContext, UnitOutcome } from './unit-types.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/**
 * `run` and `backfill`, once their windows committed: download the files of the range when
 * MLUVII_FILES_DIR is set (nothing otherwise). A file that fails is recorded as `failed` and
 * logged, and does not fail the load; a folder that cannot take files does. Sessions a `files`
 * pass is working on at the same time are left to it (load/files-pass.ts). A unit of its own
 * (a job on the workers).
 */
export async function downloadFilesAfterLoad(ctx: UnitContext, sel: { from: Date; to: Date }): Promise<UnitOutcome> {
  const outcome: UnitOutcome = { kind: 'files', counts: {}, failures: [] };
  const settings = fileJobSettings(ctx.tenant.config);
  if (!settings) return outcome;
  const pass = await openFilesPass(requireDatabaseUrl(ctx.tenant.config), ctx.tenant.name);
  try {
    const totals = await downloadFiles({ ...settings, knex: ctx.knex, client: ctx.client(), runId: ctx.runId, logger: ctx.logger, pass }, sel);
    outcome.notes = [fileTotalsSummary(totals)];
  } finally {
    await pass.close();
  }
  return outcome;
}

/**
 * The `files` job: downloads what is still pending (and, with `retryFailed`, what failed before);
 * exit 1 when a file failed now (not for files in a state of their own: gone, unavailable, too
 * large). It holds no writer lock: `run` and `backfill` go on meanwhile. The caller has checked
 * that MLUVII_FILES_DIR is set.
 */
export async function downloadPendingFiles(
  { config, logger, print }: Omit<WriterRunHost, 'client'>,
  { from, to, retryFailed }: { from?: Date; to?: Date; retryFailed: boolean },
): Promise<number> {
  const settings = fileJobSettings(config);
  if (!settings) throw new Error('MLUVII_FILES_DIR is not set');
  const client = clientFromConfig(config, logger);
  const args = { from: from?.toISOString(), to: to?.toISOString(), retryFailed };
  return runAsWriter(
    { config, logger, print, client },
    'files',
    args,
    async ({ knex, runId, counts, logger: log, filesPass }) => {
      if (!filesPass) throw new Error('the files pass lock is missing');
      // `files` also checks the copies it already stored (present, right size): a second run
      // downloads nothing that is still there, and again what someone removed.
      const totals = await downloadFiles({ ...settings, knex, client, runId, logger: log, pass: filesPass }, { from, to, retryFailed }, { checkStored: true });
      counts.sessionsSeen = totals.sessionsRefetched;
      print(fileTotalsSummary(totals));
      if (totals.failures.length) {
        const listed = totals.failures.length < totals.failed ? `the first ${totals.failures.length} of ${totals.failed} listed` : `all ${totals.failed} listed`;
        print(`failed now (${listed}; every reason: status):`);
      }
      for (const f of totals.failures) print(`  failed: ${f}`);
      if (totals.failed > MAX_LISTED_FAILURES) print(`  … and ${totals.failed - totals.failures.length} more`);
      return { failures: totals.failed ? [`${totals.failed} file(s) could not be downloaded (see status; retry with --retry-failed)`] : [] };
    },
    'files',
  );
}

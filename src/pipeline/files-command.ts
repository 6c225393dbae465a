import type { Knex } from 'knex';
import type { CommandHandler } from '../cli.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { FileSelection } from '../load/session-files.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { clientFromConfig } from './client-from-config.js';
import { downloadFiles, fileJobSettings, type FileTotals } from './files.js';
import { parseTimeArgument } from './windows.js';
import { runWriterJob } from './writer-job.js';

const summary = (t: FileTotals): string =>
  `files: ${t.stored} stored (${t.bytes} bytes), ${t.stillProcessing} still processing, ${t.failed} failed, ${t.gone} gone, ${t.deleted} deleted by retention` +
  (t.missingOnDisk ? `; ${t.missingOnDisk} stored copies were missing or changed on disk and were downloaded again` : '');

/**
 * `run` and `backfill`, once their windows committed: download the files of the range when
 * MLUVII_FILES_DIR is set (nothing otherwise). A file that fails is recorded as `failed` and
 * logged, and does not fail the load; a folder that cannot take files does.
 */
export async function downloadFilesAfterLoad(
  ctx: { config: Config; knex: Knex; client: MluviiClient; runId: number; logger: Logger },
  sel: FileSelection,
): Promise<FileTotals | undefined> {
  const settings = fileJobSettings(ctx.config);
  if (!settings) return undefined;
  const totals = await downloadFiles({ ...settings, knex: ctx.knex, client: ctx.client, runId: ctx.runId, logger: ctx.logger }, sel);
  ctx.logger.info(summary(totals));
  return totals;
}

/** `files [--from --to] [--retry-failed]`: downloads what is still pending; exit 1 when a file failed now. */
export const filesCommand: CommandHandler = async ({ config, logger, opts, print }) => {
  const settings = fileJobSettings(config);
  if (!settings) throw new UsageError('MLUVII_FILES_DIR is not set: set it to the folder recordings and shared files are downloaded to');
  const from = opts.from === undefined ? undefined : parseTimeArgument(String(opts.from), '--from', config.reportTz);
  const to = opts.to === undefined ? undefined : parseTimeArgument(String(opts.to), '--to', config.reportTz);
  if (from && to && !(to > from)) throw new UsageError(`--to (${to.toISOString()}) must be later than --from (${from.toISOString()})`);
  const client = clientFromConfig(config, logger);
  const args = { from: from?.toISOString(), to: to?.toISOString(), retryFailed: Boolean(opts.retryFailed) };
  return runWriterJob({ config, logger, print, client }, 'files', args, async ({ knex, runId, counts, logger: log }) => {
    // `files` also checks the copies it already stored (present, right size): a second run
    // downloads nothing that is still there, and again what someone removed.
    const totals = await downloadFiles({ ...settings, knex, client, runId, logger: log }, { from, to, retryFailed: Boolean(opts.retryFailed) }, { checkStored: true });
    counts.sessionsSeen = totals.sessionsRefetched;
    print(summary(totals));
    for (const f of totals.failures) print(`  failed: ${f}`);
    return { failures: totals.failed ? [`${totals.failed} file(s) could not be downloaded (see status; retry with --retry-failed)`] : [] };
  });
};

import type { CommandHandler } from '../cli.js';
import { UsageError } from '../errors.js';
import { parseSettingDuration } from '../util/setting-duration.js';
import { CampaignModes } from './campaign-modes.js';
import { clientFromConfig } from './client-from-config.js';
import { reresolveUnknownCampaigns } from './campaign-reresolve.js';
import { extractWindows } from './extract-windows.js';
import { downloadFilesAfterLoad } from './files-command.js';
import { refreshOperatorNames } from './operators.js';
import { parseTimeArgument, splitWindows } from './windows.js';
import { runWriterJob } from './writer-job.js';

/** `backfill --from --to [--force] [--window]`: the half-open range, window by window, resumable. */
export const backfillCommand: CommandHandler = async ({ config, logger, opts, print }) => {
  const from = parseTimeArgument(String(opts.from), '--from', config.reportTz);
  const to = parseTimeArgument(String(opts.to), '--to', config.reportTz);
  if (!(to > from)) throw new UsageError(`--to (${to.toISOString()}) must be later than --from (${from.toISOString()})`);
  let windowMs = config.etlWindowMs;
  if (opts.window !== undefined) {
    const ms = parseSettingDuration(String(opts.window));
    if (ms === undefined) throw new UsageError(`--window must be a duration such as 6h or 1d, got "${String(opts.window)}"`);
    windowMs = ms;
  }
  const client = clientFromConfig(config, logger);
  const windows = splitWindows({ from, to }, windowMs, config.reportTz);
  const args = { from: from.toISOString(), to: to.toISOString(), force: Boolean(opts.force), windowMs };
  return runWriterJob({ config, logger, print, client }, 'backfill', args, async ({ knex, runId, counts, logger: log, signal }) => {
    counts.operatorNames = await refreshOperatorNames(knex, client, log);
    const campaigns = CampaignModes.fresh(log);
    const { failures, stopped } = await extractWindows(
      { knex, client, campaigns, runId, counts, logger: log, batchSize: config.mluviiPageSize, label: 'backfill', signal },
      windows,
      Boolean(opts.force),
    );
    // When the API is down, campaigns and files would fail the same way: the next run does them.
    if (stopped) return { failures };
    await reresolveUnknownCampaigns({ knex, client, campaigns, runId, counts, logger: log });
    // After the windows' transactions committed (a download never holds one open).
    await downloadFilesAfterLoad({ config, knex, client, runId, logger: log }, { from, to });
    return { failures };
  });
};

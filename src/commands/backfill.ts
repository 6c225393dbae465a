import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { withJobQueue } from '../jobs/with-queue.js';
import { backfillRange } from '../pipeline/backfill.js';
import { parseSettingDuration } from '../util/setting-duration.js';
import { queueOption, type CliCommand, type CommandHandler } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';
import { timeRangeOptions } from './time-options.js';

/** `backfill --from --to [--force] [--window]`. */
const backfill: CommandHandler = async ({ config: env, logger, opts, print, now }) => {
  const config = await tenantConfig(env, opts, true);
  const { from, to } = timeRangeOptions(opts, config.reportTz);
  if (!from || !to) throw new UsageError('backfill needs both --from and --to');
  let windowMs = config.etlWindowMs;
  if (opts.window !== undefined) {
    const ms = parseSettingDuration(String(opts.window));
    if (ms === undefined) throw new UsageError(`--window must be a duration such as 6h or 1d, got "${String(opts.window)}"`);
    windowMs = ms;
  }
  const request = { from, to, windowMs, force: Boolean(opts.force), now: now() };
  if (!opts.queue) return backfillRange({ config, logger, print }, request);
  return withJobQueue(config, logger, (runnerFor) => backfillRange({ config, logger, print, queued: true }, request, runnerFor));
};

export const backfillCommand: CliCommand = {
  name: 'backfill',
  summary: 'load the half-open range [from, to), window by window; what done windows already cover is skipped',
  options: [
    new Option('--from <when>', 'start: a day in REPORT_TZ (2026-01-31) or an ISO instant').makeOptionMandatory(),
    new Option('--to <when>', 'end (exclusive): a day in REPORT_TZ or an ISO instant').makeOptionMandatory(),
    new Option('--force', 'reload windows that are already done'),
    new Option('--window <length>', 'window length, e.g. 1d or 6h (default: ETL_WINDOW)'),
    tenantOption(),
    queueOption(),
  ],
  handler: backfill,
};

import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { downloadPendingFiles } from '../pipeline/files-job.js';
import { fileJobSettings } from '../pipeline/files.js';
import type { CliCommand, CommandHandler } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';
import { timeRangeOptions } from './time-options.js';

/** `files [--from --to] [--retry-failed]`: downloads what is still pending; exit 1 when a file failed now. */
const files: CommandHandler = async ({ config: env, logger, opts, print }) => {
  const config = await tenantConfig(env, opts, true);
  if (!fileJobSettings(config)) throw new UsageError('MLUVII_FILES_DIR is not set: set it to the folder recordings and shared files are downloaded to');
  const { from, to } = timeRangeOptions(opts, config.reportTz);
  return downloadPendingFiles({ config, logger, print }, { from, to, retryFailed: Boolean(opts.retryFailed) });
};

export const filesCommand: CliCommand = {
  name: 'files',
  summary: 'download the recordings and shared files still pending to MLUVII_FILES_DIR (run and backfill do this too when it is set)',
  options: [
    new Option('--from <when>', 'only sessions created at or after: a day in REPORT_TZ or an ISO instant'),
    new Option('--to <when>', 'only sessions created before'),
    new Option('--retry-failed', 'also try again the files whose download failed before'),
    tenantOption(),
  ],
  handler: files,
};

import { Option } from 'commander';
import { reprocessRange } from '../pipeline/reprocess.js';
import type { CliCommand } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';
import { timeRangeOptions } from './time-options.js';

export const reprocessCommand: CliCommand = {
  name: 'reprocess',
  summary: 'rebuild core facts from the stored raw payloads, with no API calls',
  options: [
    new Option('--from <when>', 'only sessions created at or after'),
    new Option('--to <when>', 'only sessions created before'),
    new Option('--force', 'rebuild every stored session of the range, also those whose payload, campaign mode and transform did not change since they were built'),
    tenantOption(),
  ],
  handler: async ({ config: env, logger, opts, print }) => {
    const config = await tenantConfig(env, opts, false);
    return reprocessRange({ config, logger, print }, { ...timeRangeOptions(opts, config.reportTz), force: opts.force === true });
  },
};

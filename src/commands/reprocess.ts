import { Option } from 'commander';
import { withJobQueue } from '../jobs/with-queue.js';
import { reprocessRange } from '../pipeline/reprocess.js';
import { queueOption, type CliCommand } from './command.js';
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
    queueOption(),
  ],
  handler: async ({ config: env, logger, opts, print }) => {
    const config = await tenantConfig(env, opts, false);
    const request = { ...timeRangeOptions(opts, config.reportTz), force: opts.force === true };
    if (!opts.queue) return reprocessRange({ config, logger, print }, request);
    return withJobQueue(config, logger, (runnerFor) => reprocessRange({ config, logger, print, queued: true }, request, runnerFor));
  },
};

import { Option } from 'commander';
import { withJobQueue } from '../jobs/with-queue.js';
import { nightlyRun } from '../pipeline/nightly-run.js';
import { parseTimeArgument } from '../pipeline/windows.js';
import { queueOption, type CliCommand } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'the nightly job: from where the last runs stopped (status shows where) up to now − ETL_SETTLE, then re-fetch incomplete sessions',
  options: [
    new Option('--until <when>', 'load up to this instant instead of now − ETL_SETTLE (a day in REPORT_TZ or an ISO instant), as a scheduler\'s logical date; never later than now − ETL_SETTLE'),
    tenantOption(),
    queueOption(),
  ],
  handler: async ({ config: env, logger, opts, print, now }) => {
    const config = await tenantConfig(env, opts, true);
    const request = { now: now(), until: opts.until === undefined ? undefined : parseTimeArgument(String(opts.until), '--until', config.reportTz) };
    if (!opts.queue) return nightlyRun({ config, logger, print }, request);
    return withJobQueue(config, logger, (runnerFor) => nightlyRun({ config, logger, print, queued: true }, request, runnerFor));
  },
};

import { Argument, Option } from 'commander';
import { UsageError } from '../errors.js';
import { clearCheckpoints } from '../pipeline/clear-checkpoints.js';
import type { CliCommand, CommandHandler } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';
import { timeRangeOptions } from './time-options.js';

/**
 * `checkpoints clear --from --to`: forgets that a range was loaded (its done and failed window
 * marks), without touching a loaded row. The repair for marks that should not be there, such as
 * days an older version marked done before they happened; `status` names those.
 */
const checkpoints: CommandHandler = async ({ config: env, logger, opts, print, now }) => {
  const config = await tenantConfig(env, opts, false);
  const [action] = (opts.args as string[] | undefined) ?? [];
  if (action !== 'clear') throw new UsageError(`checkpoints: unknown action "${String(action)}" (the one action is clear)`);
  const { from, to } = timeRangeOptions(opts, config.reportTz);
  if (!from || !to) throw new UsageError('checkpoints clear needs both --from and --to');
  return clearCheckpoints({ config, logger, print }, { from, to, now: now() });
};

export const checkpointsCommand: CliCommand = {
  name: 'checkpoints',
  summary: 'clear the loaded/failed marks of a range without touching its data (`checkpoints clear --from --to`): run and backfill then load it again',
  arguments: [new Argument('<action>', 'what to do with the marks').choices(['clear'])],
  options: [
    new Option('--from <when>', 'start: a day in REPORT_TZ (2026-01-31) or an ISO instant').makeOptionMandatory(),
    new Option('--to <when>', 'end (exclusive): a day in REPORT_TZ or an ISO instant').makeOptionMandatory(),
    tenantOption(),
  ],
  handler: checkpoints,
};

/**
 * `privacy sweep`: on demand, what every nightly `run` does for data protection (docs/privacy.md):
 * the sessions mluvii anonymized since the last sweep lose their personal data here too, then
 * RAW_RETENTION and REJECTS_RETENTION. Exit 1 when the sweep could not run (the reason is printed,
 * and `status` shows it until it runs).
 */
import { Argument } from 'commander';
import { UsageError } from '../errors.js';
import { privacySweep } from '../pipeline/privacy-pass.js';
import type { CliCommand, CommandHandler } from './command.js';
import { tenantConfig, tenantOption } from './tenant-option.js';

const privacy: CommandHandler = async ({ config: env, logger, opts, print, now }) => {
  const [action] = (opts.args as string[] | undefined) ?? [];
  if (action !== 'sweep') throw new UsageError(`privacy: unknown action "${String(action)}" (the one action is sweep)`);
  const config = await tenantConfig(env, opts, true);
  return privacySweep({ config, logger, print }, { now: now() });
};

export const privacyCommand: CliCommand = {
  name: 'privacy',
  summary: 'what the nightly run does for data protection, now (`privacy sweep`): sessions anonymized at mluvii lose their personal data here too, then RAW_RETENTION and REJECTS_RETENTION',
  arguments: [new Argument('<action>', 'what to do').choices(['sweep'])],
  options: [tenantOption()],
  handler: privacy,
};

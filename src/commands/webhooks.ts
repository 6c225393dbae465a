import { Argument, Option } from 'commander';
import { UsageError } from '../errors.js';
import { registerCallback, showWebhooks } from '../pipeline/webhooks.js';
import type { CliCommand, CommandHandler } from './command.js';

/**
 * `webhooks register --url <serve's public address>`: asks mluvii to call this tenant's `serve`
 * for the events that mean a session changed (or edits the registration it has for that address);
 * `webhooks status`: what mluvii has registered, the secret hidden.
 */
const webhooks: CommandHandler = async ({ config, logger, opts, print }) => {
  const [action] = (opts.args as string[] | undefined) ?? [];
  if (action === 'register') {
    if (opts.url === undefined) throw new UsageError('webhooks register needs --url <serve\'s public address>, such as https://etl.example.com');
    return registerCallback({ config, logger, print }, opts.url);
  }
  if (action === 'status') return showWebhooks({ config, logger, print });
  throw new UsageError(`webhooks: unknown action "${String(action)}" (register or status)`);
};

export const webhooksCommand: CliCommand = {
  name: 'webhooks',
  summary: 'register this tenant\'s serve with mluvii for the session events (`webhooks register --url <public address>`), or show what mluvii has registered (`webhooks status`)',
  arguments: [new Argument('<action>', 'register or status').choices(['register', 'status'])],
  options: [new Option('--url <address>', 'register: serve\'s public address, e.g. https://etl.example.com (/webhooks/mluvii/<tenant>/<secret> is added)')],
  handler: webhooks,
};

import { Option } from 'commander';
import { redactUrl } from '../config.js';
import { UsageError } from '../errors.js';
import type { CliCommand, CommandHandler } from './command.js';

const demo: CommandHandler = async ({ config, logger, opts, print, now }) => {
  const days = Number(opts.days ?? 7);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days must be a whole number from 1 to 366, got "${String(opts.days)}"`);
  const databaseUrl = opts.databaseUrl === undefined ? undefined : String(opts.databaseUrl);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new UsageError(`--database-url must be a postgres:// connection string, got "${redactUrl(databaseUrl)}"`);
  }
  // Loaded when used: the demo brings the simulator and the embedded Postgres, which no other command needs.
  const { runDemo } = await import('../pipeline/demo.js');
  return runDemo({ config, logger, print }, { days, keepRunning: Boolean(opts.keepRunning), databaseUrl, now: now() });
};

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'simulator + its own embedded Postgres + migrate + a week of simulated sessions + KPIs (never touches DATABASE_URL)',
  options: [
    new Option('--days <n>', 'how many simulated days to load').default('7'),
    new Option('--keep-running', 'stay up until Ctrl-C so you can query it'),
    new Option('--database-url <url>', 'load into this database instead of the demo\'s own embedded Postgres (DATABASE_URL is never used)'),
  ],
  handler: demo,
};

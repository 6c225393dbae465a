import 'dotenv/config';
import { Command, CommanderError, Option } from 'commander';
import { databasePassword, loadConfig, redactUrl, type Config } from './config.js';
import { databaseUnavailableReason } from './db/connection-errors.js';
import { UsageError } from './errors.js';
import { createLogger, registerSecrets, scrubSecrets, type Logger } from './log.js';
import { commandHandlers } from './commands.js';
import { packageVersion } from './version.js';

/** What every command gets: validated settings, the one logger, and its parsed flags. */
export interface CommandContext {
  config: Config;
  logger: Logger;
  opts: Record<string, unknown>;
  /** Output meant for the person at the terminal (tables, summaries); logs go to stderr. */
  print: (line: string) => void;
}

export type CommandHandler = (ctx: CommandContext) => Promise<number>;

const COMMANDS: Array<{ name: string; summary: string; options?: Option[] }> = [
  { name: 'doctor', summary: 'check the tenant and the warehouse before the first night (read-only, a few dozen requests)' },
  { name: 'migrate', summary: 'apply the database migrations (idempotent)' },
  { name: 'run', summary: 'the nightly job: from where the last runs stopped (status shows where) up to now − ETL_SETTLE, then re-fetch incomplete sessions' },
  {
    name: 'backfill',
    summary: 'load the half-open range [from, to), window by window; what done windows already cover is skipped',
    options: [
      new Option('--from <when>', 'start: a day in REPORT_TZ (2026-01-31) or an ISO instant').makeOptionMandatory(),
      new Option('--to <when>', 'end (exclusive): a day in REPORT_TZ or an ISO instant').makeOptionMandatory(),
      new Option('--force', 'reload windows that are already done'),
      new Option('--window <length>', 'window length, e.g. 1d or 6h (default: ETL_WINDOW)'),
    ],
  },
  {
    name: 'reprocess',
    summary: 'rebuild core facts from the stored raw payloads, with no API calls',
    options: [new Option('--from <when>', 'only sessions created at or after'), new Option('--to <when>', 'only sessions created before')],
  },
  {
    name: 'files',
    summary: 'download the recordings and shared files still pending to MLUVII_FILES_DIR (run and backfill do this too when it is set)',
    options: [
      new Option('--from <when>', 'only sessions created at or after: a day in REPORT_TZ or an ISO instant'),
      new Option('--to <when>', 'only sessions created before'),
      new Option('--retry-failed', 'also try again the files whose download failed before'),
    ],
  },
  {
    name: 'status',
    summary: 'what is loaded (with gaps), the last run of each kind, failed windows, quality flags, rejects, where the next run starts',
    options: [
      new Option('--json', 'the same as JSON, for monitoring'),
      new Option('--check', 'one line; exit 1 when the last run failed, a window is failed, or nothing succeeded in 36 h'),
    ],
  },
  {
    name: 'simulator',
    summary: 'serve a fake mluvii API on localhost (for demos and tests)',
    options: [
      new Option('--port <n>', 'port to listen on').default('8080'),
      new Option('--seed <n>', 'seed of the simulated contact center').default('1'),
      new Option('--misbehave', 'switch on 429s, 5xx, slow answers, a page-size cap and malformed items'),
      new Option('--misbehaviour <json>', 'misbehaviour switches as JSON, e.g. \'{"usersAnswer":403,"unstableOrder":true}\' (src/simulator/misbehaviour.ts)'),
      new Option('--files <json>', 'recordings and shared files switches as JSON, e.g. \'{"expiredUrlRate":0.2,"foreignUnsignedRate":0.05}\' (src/simulator/files.ts)'),
    ],
  },
  {
    name: 'demo',
    summary: 'simulator + its own embedded Postgres + migrate + a week of simulated sessions + KPIs (never touches DATABASE_URL)',
    options: [
      new Option('--days <n>', 'how many simulated days to load').default('7'),
      new Option('--keep-running', 'stay up until Ctrl-C so you can query it'),
      new Option('--database-url <url>', 'load into this database instead of the demo\'s own embedded Postgres (DATABASE_URL is never used)'),
    ],
  },
];

function buildProgram(run: (name: string, opts: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command('mluvii-etl')
    .description('Batch ETL from the mluvii Public API into a Postgres warehouse')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(`usage: mluvii-etl <${COMMANDS.map((c) => c.name).join('|')}> [options]   (npx mluvii-etl --help for more)`)
    .exitOverride();
  for (const c of COMMANDS) {
    const cmd = program.command(c.name).description(c.summary).exitOverride();
    for (const o of c.options ?? []) cmd.addOption(o);
    const mandatory = (c.options ?? []).filter((o) => o.mandatory).map((o) => o.flags).join(' ');
    cmd.showHelpAfterError(`usage: mluvii-etl ${c.name} ${mandatory ? mandatory + ' ' : ''}[options]   (npx mluvii-etl ${c.name} --help for all options)`);
    cmd.action(async (opts: Record<string, unknown>) => run(c.name, opts));
  }
  return program;
}

/** Runs the CLI and returns the exit code (README: 0 ok, 1 failed run, 2 bad usage/config). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  let logger: Logger | undefined;
  let config: Config | undefined;
  const program = buildProgram(async (name, opts) => {
    config = loadConfig(env);
    registerSecrets(config.mluviiClientSecret, databasePassword(config.databaseUrl));
    logger = createLogger({ level: config.logLevel });
    const handler = commandHandlers[name];
    exitCode = await handler({ config, logger, opts, print: (line) => process.stdout.write(line + '\n') });
  });
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors were already printed by commander.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    }
    const secrets = [config?.mluviiClientSecret, config?.databaseUrl];
    if (err instanceof UsageError) {
      process.stderr.write(`mluvii-etl: ${scrubSecrets(err.message, secrets)}\n`);
      return 2;
    }
    const dbReason = databaseUnavailableReason(err);
    if (dbReason !== undefined) {
      // A setting to fix, not a failed run: exit 2, one line, no log line before it.
      const where = config?.databaseUrl ? `DATABASE_URL=${redactUrl(config.databaseUrl)}` : 'the database';
      process.stderr.write(`mluvii-etl: cannot use the database at ${where}: ${scrubSecrets(dbReason, secrets)}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (logger) logger.error({ err: { type: (err as Error)?.name, message: scrubSecrets(message, secrets) } }, 'command failed');
    process.stderr.write(`mluvii-etl: ${scrubSecrets(message, secrets)}\n`);
    return 1;
  }
}

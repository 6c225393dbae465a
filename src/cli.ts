/**
 * The command line: parses arguments with commander, loads the settings, and dispatches to the
 * command's handler (src/commands/, one module per command); turns errors into one line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import type { CliCommand } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { databasePassword, databaseUrlWarning, loadConfig, redactUrl, type Config } from './config.js';
import { databaseUnavailableReason } from './db/connection-errors.js';
import { withEnvFile } from './env-file.js';
import { UsageError } from './errors.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';
import { createLogger, registerSecrets, scrubSecrets, type Logger } from './log.js';
import { packageVersion } from './version.js';

function buildProgram(run: (command: CliCommand, opts: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command('mluvii-etl')
    .description('Batch ETL from the mluvii Public API into a Postgres warehouse')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(`usage: mluvii-etl <${COMMANDS.map((c) => c.name).join('|')}> [options]   (npx mluvii-etl --help for more)`)
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .exitOverride();
  for (const c of COMMANDS) {
    const cmd = program.command(c.name).description(c.summary).addHelpText('after', `\n${EXIT_CODES_HELP}`).exitOverride();
    for (const o of c.options ?? []) cmd.addOption(o);
    for (const a of c.arguments ?? []) cmd.addArgument(a);
    const mandatory = (c.options ?? []).filter((o) => o.mandatory).map((o) => o.flags).join(' ');
    cmd.showHelpAfterError(`usage: mluvii-etl ${c.name} ${mandatory ? mandatory + ' ' : ''}[options]   (npx mluvii-etl ${c.name} --help for all options)`);
    // commander passes the positional arguments first, then the options, then the command itself.
    cmd.action(async (...params: unknown[]) => {
      const args = params.slice(0, (c.arguments ?? []).length);
      const opts = params[(c.arguments ?? []).length] as Record<string, unknown>;
      return run(c, args.length ? { ...opts, args } : opts);
    });
  }
  return program;
}

/** Runs the CLI and returns the exit code (src/exit-codes.ts, the table `--help` prints). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  let logger: Logger | undefined;
  let config: Config | undefined;
  const program = buildProgram(async (command, opts) => {
    config = loadConfig(withEnvFile(env));
    registerSecrets(config.mluviiClientSecret, databasePassword(config.databaseUrl), config.webhookSecret);
    logger = createLogger({ level: config.logLevel });
    const urlWarning = databaseUrlWarning(config.databaseUrl);
    if (urlWarning) logger.warn(urlWarning);
    exitCode = await command.handler({ config, logger, opts, print: (line) => process.stdout.write(line + '\n'), now: () => new Date() });
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors were already printed by commander.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    const secrets = [config?.mluviiClientSecret, config?.databaseUrl];
    if (err instanceof UsageError) {
      process.stderr.write(`mluvii-etl: ${scrubSecrets(err.message, secrets)}\n`);
      return EXIT.usage;
    }
    const dbReason = databaseUnavailableReason(err);
    if (dbReason !== undefined) {
      // A setting to fix, not a failed run: exit 2, one line, no log line before it.
      const where = config?.databaseUrl ? `DATABASE_URL=${redactUrl(config.databaseUrl)}` : 'the database';
      process.stderr.write(`mluvii-etl: cannot use the database at ${where}: ${scrubSecrets(dbReason, secrets)}\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (logger) logger.error({ err: { type: (err as Error)?.name, message: scrubSecrets(message, secrets) } }, 'command failed');
    process.stderr.write(`mluvii-etl: ${scrubSecrets(message, secrets)}\n`);
    return exitCodeFor(err);
  }
}

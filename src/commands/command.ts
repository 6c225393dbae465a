import { Option, type Argument } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

/** What every command gets: validated settings, the one logger, and its parsed flags. */
export interface CommandContext {
  config: Config;
  logger: Logger;
  opts: Record<string, unknown>;
  /** Output meant for the person at the terminal (tables, summaries); logs go to stderr. */
  print: (line: string) => void;
  /** The command's clock (the system's; a process that runs commands itself may pin it). */
  now: () => Date;
}

/** Does the command's work; returns the exit code (0 ok, 1 failed; a UsageError means 2). */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;

/** One command of the CLI: its name, one line of help, its options and its handler. */
export interface CliCommand {
  name: string;
  summary: string;
  options?: Option[];
  /** Positional arguments (e.g. `checkpoints clear`); the handler finds their values in `opts.args`, in order. */
  arguments?: Argument[];
  handler: CommandHandler;
}

/** `--queue` of run, backfill and reprocess: the same units, as jobs for the workers (`mluvii-etl worker`). */
export const queueOption = (): Option => new Option('--queue', 'send the units of work to the job queue for `mluvii-etl worker`s to run side by side, and wait for them (showing progress)');

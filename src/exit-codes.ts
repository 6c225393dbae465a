/**
 * What the exit code of every command means (README "Exit codes" and `--help` print this table):
 * schedulers and monitors act on it, so one number never means two things.
 */
import { databaseUnavailableReason } from './db/connection-errors.js';
import { LockBusyError, UsageError } from './errors.js';
import { MluviiApiError } from './mluvii/errors.js';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** The work failed: a window, a download, the API (recorded in etl.runs; `status` says why). A retry may succeed. */
  failed: 1,
  /** Usage or configuration: a flag, a setting, a database that refuses the login, API credentials the API refuses. A retry will not help. */
  usage: 2,
  /** Another writer holds this warehouse's lock: nothing was done (recorded as skipped). Try again later. */
  busy: 75,
  /** Interrupted by Ctrl-C (SIGINT): the unfinished window was rolled back; the next run continues. */
  interrupted: 130,
  /** Stopped by SIGTERM (a scheduler stopping the job): as for SIGINT. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table, as `--help` and the README show it. */
export const EXIT_CODES_HELP = [
  'Exit codes (every command):',
  '  0    done',
  '  1    the work failed (a window, a download, the API; recorded in etl.runs, see `status`), a failed `doctor` check, or `status --check` finding a problem',
  '  2    usage or configuration: a bad flag or setting, a database that cannot be reached or refuses the login, API credentials the API refuses',
  '  75   another mluvii-etl writer holds this warehouse\'s lock: nothing done (recorded as skipped); try again later',
  '  130  interrupted (Ctrl-C): the unfinished window was rolled back, the next run continues; 143 for SIGTERM',
].join('\n');

/** API credentials refused (or a permission missing): a setting to fix, not a failure to retry. */
export function isCredentialsRefused(err: unknown): err is MluviiApiError {
  return err instanceof MluviiApiError && err.kind === 'auth';
}

/** The exit code of an error that ended a command. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError || isCredentialsRefused(err) || databaseUnavailableReason(err) !== undefined) return EXIT.usage;
  if (err instanceof LockBusyError) return EXIT.busy;
  return EXIT.failed;
}

/**
 * Errors a user can fix (bad flag, bad setting). The CLI prints their message on one line and
 * exits 2, never a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A setting (environment variable) that is missing or malformed. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another run holds the writer lock. Exit 1, recorded in etl.runs. */
export class LockBusyError extends Error {
  override name = 'LockBusyError';
}

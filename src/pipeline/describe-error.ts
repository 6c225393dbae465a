/**
 * An error as a person should read it. Postgres and the pg driver often say only what failed last
 * ("ROLLBACK", "Connection terminated unexpectedly"); the reason comes first here.
 */

/** SQLSTATEs of a connection ended by the server (pg_terminate_backend, shutdown, crash). */
const TERMINATED = new Set(['57P01', '57P02', '57P03']);

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const message = err.message;
  if (typeof code === 'string' && TERMINATED.has(code)) {
    return `the database connection was terminated by an administrator or a server shutdown (${code}: ${message})`;
  }
  if (/terminating connection due to administrator command/i.test(message)) {
    return `the database connection was terminated by an administrator (pg_terminate_backend or a server shutdown): ${message}`;
  }
  if (/Connection terminated|encountered a connection error and is not queryable/i.test(message)) {
    return `the database connection was lost (terminated by the server, an administrator or the network): ${message}`;
  }
  return message;
}

/**
 * Errors that mean "this database cannot be used at all" (nothing listens, the name does not
 * resolve, the login or the database is refused): a configuration problem, so the CLI exits 2 and
 * names DATABASE_URL, instead of failing a run it never started.
 */

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is Postgres running on that host and port?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name could not be resolved (DNS)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
};

/** SQLSTATEs a server answers a connection attempt with. */
const LOGIN_REFUSED = new Set(['28000', '28P01', '3D000', '57P03', '53300', '42501']);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** The server's (or the network's) reason when `err` says the database cannot be reached or refuses the login; else undefined. */
export function databaseUnavailableReason(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  // Node's happy-eyeballs connect (localhost = ::1 and 127.0.0.1) fails with an AggregateError and an empty message.
  const inner = Array.isArray(e.errors) && e.errors.length ? (e.errors[0] as ErrorLike) : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof inner?.code === 'string' ? inner.code : undefined;
  const message = typeof e.message === 'string' && e.message ? e.message : typeof inner?.message === 'string' ? inner.message : '';
  if (code && NETWORK[code]) return `${NETWORK[code]}${message ? ` — ${message}` : ''}`;
  if (code && LOGIN_REFUSED.has(code) && !/permission denied for (table|schema|relation|sequence)/i.test(message)) return `the server refused: ${message} (SQLSTATE ${code})`;
  if (/Timeout acquiring a connection|Connection terminated unexpectedly|connect ETIMEDOUT/i.test(message)) return message;
  return undefined;
}

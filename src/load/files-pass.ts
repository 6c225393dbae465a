import type { Knex } from 'knex';
import pg from 'pg';

/**
 * Download passes (`files`, and the download step of `run` and `backfill`) do not take the
 * one-writer lock: a download may take hours, and the nightly load must never wait for it. They
 * keep out of each other's way instead, through advisory locks on a connection of their own
 * (Postgres drops them when the process dies, so a killed pass leaves nothing stale behind):
 *
 * - every pass holds FILES_PASS_KEY in SHARED mode for its whole length; `status` tells a running
 *   `files` from a dead one by it, and the clean-up of temporary files runs only when it gets the
 *   key EXCLUSIVELY for a moment, i.e. when no other pass is writing temporary files;
 * - a pass claims each session before downloading its files (two-key lock CLAIM_CLASS, session):
 *   a session another pass holds is skipped, so no file is downloaded twice at once.
 */
const FILES_PASS_KEY = 7_400_123_002;
const CLAIM_CLASS = 7_400_124;

// A bigint key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
const PASS_QUERY = `SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.classid = ${Math.floor(FILES_PASS_KEY / 2 ** 32)} AND l.objid = ${FILES_PASS_KEY % 2 ** 32}
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`;

/** A session id as the second int4 of a claim (ids beyond 2^32 may share a claim: they then only wait for each other). */
const CLAIM_ARGS = `$1::int, (($2::bigint & 4294967295) - 2147483648)::int`;

/** Whether some download pass is running against this database now. */
export async function isFilesPassRunning(knex: Knex): Promise<boolean> {
  return (await knex.raw(PASS_QUERY)).rows.length > 0;
}

export interface FilesPassLock {
  /** Claims a session for this pass; false when another pass is working on it. */
  claim(sessionId: number): Promise<boolean>;
  release(sessionId: number): Promise<void>;
  /** Runs `fn` only when no other pass is running (they cannot start meanwhile); undefined otherwise. */
  whenAlone<T>(fn: () => Promise<T>): Promise<T | undefined>;
  /** Settles with the reason when the connection is lost: the claims are gone, the pass must stop. */
  readonly lost: Promise<Error>;
  /** The reason, once lost. */
  lostReason(): Error | undefined;
  close(): Promise<void>;
}

export async function openFilesPass(connectionString: string): Promise<FilesPassLock> {
  const client = new pg.Client({ connectionString, application_name: 'mluvii-etl files pass', keepAlive: true });
  let closed = false;
  let lostWith: Error | undefined;
  let onLost: (err: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (onLost = resolve));
  const lose = (err: Error) => {
    if (closed || lostWith) return;
    lostWith = err;
    onLost(err);
  };
  // Without a listener a dropped connection is an unhandled 'error' event that kills the process.
  client.on('error', lose);
  client.on('end', () => lose(new Error('the files-pass connection ended (Connection terminated)')));
  await client.connect();
  await client.query('SELECT pg_advisory_lock_shared($1)', [FILES_PASS_KEY]);
  // One query at a time on the connection (sessions are claimed concurrently).
  let tail: Promise<unknown> = Promise.resolve();
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> => {
    const next = tail.then(() => client.query<R>(text, values));
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    lost,
    lostReason: () => lostWith,
    async claim(sessionId) {
      return (await query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${CLAIM_ARGS}) AS ok`, [CLAIM_CLASS, sessionId])).rows[0].ok;
    },
    async release(sessionId) {
      await query(`SELECT pg_advisory_unlock(${CLAIM_ARGS})`, [CLAIM_CLASS, sessionId]);
    },
    async whenAlone(fn) {
      // Our own shared hold does not conflict with our exclusive request: only other passes do.
      if (!(await query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [FILES_PASS_KEY])).rows[0].ok) return undefined;
      try {
        return await fn();
      } finally {
        await query('SELECT pg_advisory_unlock($1)', [FILES_PASS_KEY]);
      }
    },
    async close() {
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * An erasure waits, in its transaction, until no download pass works on these sessions, and
 * keeps passes off them until it commits (the claim keys, transaction-scoped): a pass can then
 * neither store a file of a session being erased nor find one still pending after the erasure.
 */
export async function holdSessionsFromDownloads(trx: Knex.Transaction, sessionIds: number[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx.raw(
    `SELECT count(pg_advisory_xact_lock(?::int, ((s.id & 4294967295) - 2147483648)::int)) FROM (SELECT DISTINCT unnest(?::bigint[]) AS id) s`,
    [CLAIM_CLASS, sessionIds],
  );
}

import type { Knex } from 'knex';
import pg from 'pg';
import { LockBusyError } from '../errors.js';

/** Arbitrary but fixed: every mluvii-etl writer of one database contends for this advisory lock. */
const WRITER_LOCK_KEY = 7_400_123_001;

// A bigint advisory key shows in pg_locks as its low 32 bits in objid. Advisory locks belong to
// one database, but pg_locks shows every database of the server: several warehouses may share one
// server, so the holder is looked for in the current database only.
const HOLDER_QUERY = `SELECT a.pid, a.backend_start AS started FROM pg_locks l JOIN pg_stat_activity a USING (pid)
  WHERE l.locktype = 'advisory' AND l.objid = ${WRITER_LOCK_KEY % 2 ** 32} AND l.objsubid = 1 AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`;

/** Whether some process holds this database's writer lock now (status tells a running run from a dead one by it). */
export async function isWriterLockHeld(knex: Knex): Promise<boolean> {
  return (await knex.raw(HOLDER_QUERY)).rows.length > 0;
}

export interface WriterLock {
  release(): Promise<void>;
  /**
   * Settles with the reason when the lock's connection is lost while held (pg_terminate_backend,
   * a Postgres restart, the network): from then on another writer may start, so the run must stop.
   */
  readonly lost: Promise<Error>;
}

/**
 * Takes the one-writer lock (only one run or backfill writes at a time) on a connection
 * of its own, held for the whole command. Postgres drops it if the process dies, so a killed run
 * never leaves a stale lock behind.
 */
export async function acquireWriterLock(connectionString: string): Promise<WriterLock> {
  const client = new pg.Client({ connectionString, application_name: 'mluvii-etl writer lock', keepAlive: true });
  let released = false;
  let onLost: (err: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (onLost = resolve));
  // Without a listener a dropped connection is an unhandled 'error' event that kills the process.
  client.on('error', (err: Error) => {
    if (!released) onLost(err);
  });
  client.on('end', () => {
    if (!released) onLost(new Error('the writer-lock connection ended (Connection terminated)'));
  });
  await client.connect();
  const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [WRITER_LOCK_KEY]);
  if (!r.rows[0].locked) {
    const holder = await client.query<{ pid: number; started: Date }>(HOLDER_QUERY);
    released = true;
    await client.end();
    const who = holder.rows[0] ? ` (database backend pid ${holder.rows[0].pid}, connected ${holder.rows[0].started.toISOString()})` : '';
    throw new LockBusyError(`another mluvii-etl run/backfill/reprocess is running against this database${who}; try again when it has finished`);
  }
  return {
    lost,
    async release() {
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [WRITER_LOCK_KEY]);
      } finally {
        await client.end();
      }
    },
  };
}

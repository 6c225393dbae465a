import type { Knex } from 'knex';
import pg from 'pg';
import { LockBusyError } from '../errors.js';
import { DEFAULT_TENANT } from '../tenants/tenant.js';

/**
 * One writer per tenant: every mluvii-etl writer of a tenant contends for the advisory lock
 * (WRITER_CLASS, the tenant's etl.tenants.lock_key), so tenants load side by side and two
 * writers of one tenant never overlap. Advisory locks belong to one database, but pg_locks
 * shows every database of the server (several warehouses may share one): the holder is looked
 * for in the current database only.
 */
const WRITER_CLASS = 7_400_125;

// A two-int4 advisory lock shows in pg_locks as classid, objid and objsubid 2.
const holderQuery = (tenant: string) => `SELECT a.pid, a.backend_start AS started FROM pg_locks l JOIN pg_stat_activity a USING (pid)
  WHERE l.locktype = 'advisory' AND l.classid = ${WRITER_CLASS} AND l.objsubid = 2 AND l.granted
    AND l.objid = (SELECT lock_key FROM etl.tenants WHERE name = ${tenant})::oid
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`;

/** Whether some process holds the writer lock of the connection's tenant now (status tells a running run from a dead one by it). */
export async function isWriterLockHeld(knex: Knex): Promise<boolean> {
  return (await knex.raw(holderQuery('etl.tenant()'))).rows.length > 0;
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
 * Takes the tenant's one-writer lock (only one run, backfill or reprocess of a tenant writes at a
 * time) on a connection of its own, held for the whole command. Postgres drops it if the process
 * dies, so a killed run never leaves a stale lock behind. The tenant must be registered (etl.tenants).
 */
export async function acquireWriterLock(connectionString: string, tenant: string = DEFAULT_TENANT): Promise<WriterLock> {
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
  const key = await client.query<{ lock_key: number }>('SELECT lock_key FROM etl.tenants WHERE name = $1', [tenant]);
  if (key.rows.length === 0) {
    released = true;
    await client.end();
    throw new Error(`tenant ${tenant} is not registered in etl.tenants`);
  }
  const lockKey = key.rows[0].lock_key;
  const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [WRITER_CLASS, lockKey]);
  if (!r.rows[0].locked) {
    const holder = await client.query<{ pid: number; started: Date }>(holderQuery('$1'), [tenant]);
    released = true;
    await client.end();
    const who = holder.rows[0] ? ` (database backend pid ${holder.rows[0].pid}, connected ${holder.rows[0].started.toISOString()})` : '';
    throw new LockBusyError(`another mluvii-etl run/backfill/reprocess of tenant ${tenant} is running against this database${who}; try again when it has finished`);
  }
  return {
    lost,
    async release() {
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [WRITER_CLASS, lockKey]);
      } finally {
        await client.end();
      }
    },
  };
}

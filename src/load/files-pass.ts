import type { Knex } from 'knex';
import pg from 'pg';
import { DEFAULT_TENANT } from '../tenants/tenant.js';

/**
 * Download passes (`files`, and the download step of `run` and `backfill`) do not take the
 * one-writer lock: a download may take hours, and the nightly load must never wait for it. They
 * keep out of each other's way instead, through advisory locks of their tenant on a connection of
 * their own (Postgres drops them when the process dies, so a killed pass leaves nothing stale behind):
 *
 * - every pass holds (FILES_PASS_CLASS, the tenant's lock_key) in SHARED mode for its whole
 *   length; `status` tells a running `files` from a dead one by it, and the clean-up of temporary
 *   files runs only when it gets the key EXCLUSIVELY for a moment, i.e. when no other pass of the
 *   tenant is writing temporary files (each tenant has a files folder of its own);
 * - a pass claims each session before downloading its files (a bigint key: the tenant's claim
 *   class in the high 32 bits, the session id in the low ones): a session another pass of the
 *   tenant holds is skipped, so no file is downloaded twice at once, and the same session id of
 *   another tenant is another session.
 */
const FILES_PASS_CLASS = 7_400_126;
/** Claim classes are CLAIM_BASE + lock_key: far from the other keys, below 2^31 for any lock_key. */
const CLAIM_BASE = 1_800_000_000;

// A two-int4 key shows in pg_locks as classid, objid, objsubid 2.
const PASS_QUERY = `SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.classid = ${FILES_PASS_CLASS} AND l.objid = (SELECT lock_key FROM etl.tenants WHERE name = etl.tenant())::oid
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`;

/** A claim: the tenant's class in the high 32 bits, the session id's low 32 bits (ids beyond 2^32 may share a claim: they then only wait for each other). */
const CLAIM_KEY = `(($1::bigint << 32) | ($2::bigint & 4294967295))`;

/** Whether some download pass of the connection's tenant is running against this database now. */
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

export async function openFilesPass(connectionString: string, tenant: string = DEFAULT_TENANT): Promise<FilesPassLock> {
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
  const key = await client.query<{ lock_key: number }>('SELECT lock_key FROM etl.tenants WHERE name = $1', [tenant]);
  if (key.rows.length === 0) {
    closed = true;
    await client.end();
    throw new Error(`tenant ${tenant} is not registered in etl.tenants`);
  }
  const lockKey = key.rows[0].lock_key;
  const claimClass = CLAIM_BASE + lockKey;
  await client.query('SELECT pg_advisory_lock_shared($1, $2)', [FILES_PASS_CLASS, lockKey]);
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
      return (await query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${CLAIM_KEY}) AS ok`, [claimClass, sessionId])).rows[0].ok;
    },
    async release(sessionId) {
      await query(`SELECT pg_advisory_unlock(${CLAIM_KEY})`, [claimClass, sessionId]);
    },
    async whenAlone(fn) {
      // Our own shared hold does not conflict with our exclusive request: only other passes do.
      if (!(await query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [FILES_PASS_CLASS, lockKey])).rows[0].ok) return undefined;
      try {
        return await fn();
      } finally {
        await query('SELECT pg_advisory_unlock($1, $2)', [FILES_PASS_CLASS, lockKey]);
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
  // The same keys as a pass's claims (CLAIM_KEY) of the connection's tenant.
  await trx.raw(
    `SELECT count(pg_advisory_xact_lock(((? + t.lock_key)::bigint << 32) | (s.id & 4294967295)))
       FROM (SELECT DISTINCT unnest(?::bigint[]) AS id) s, etl.tenants t WHERE t.name = etl.tenant()`,
    [CLAIM_BASE, sessionIds],
  );
}

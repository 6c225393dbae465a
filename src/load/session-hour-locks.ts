import type { Knex } from 'knex';
import type { TimeWindow } from '../util/time-range.js';

/**
 * Several workers load one tenant side by side: a backfill's whole day beside a run's partial
 * day, an incomplete re-fetch beside the window its sessions belong to, two reprocess batches
 * meeting at a day. Rows of one session written by two transactions in different orders would
 * deadlock, and two overlapping windows would both load what neither saw covered. So every
 * transaction that writes session rows first takes a transaction-level advisory lock on each
 * hour (of created_at) its sessions belong to, in ascending order: transactions on disjoint
 * hours run in parallel, overlapping ones wait for each other (never in a cycle, since every one
 * takes its hours in the same order), and Postgres drops the locks at commit, rollback or a
 * dead connection. The reporting summaries' own lock (core.refresh_reporting_summaries, per
 * tenant) is always taken after these, so the order stays the same across both.
 *
 * Key: two int4, like the writer and files-pass locks: the class of the connection's tenant
 * (HOURS_BASE + its etl.tenants.lock_key, so tenants never wait for each other), and the hour
 * since 1970 (fits int4 until the year 246,000).
 */

const HOUR_MS = 3_600_000;
/** Hour-lock classes are HOURS_BASE + lock_key: apart from the writer (7_400_125), files-pass (7_400_126) and summaries classes. */
const HOURS_BASE = 1_700_000_000;

/** The hours (since 1970, UTC) that instants and half-open ranges touch, ascending and distinct. */
export function hoursOf(spans: Array<Date | TimeWindow>): number[] {
  const hours = new Set<number>();
  for (const s of spans) {
    if (s instanceof Date) {
      if (!Number.isNaN(s.getTime())) hours.add(Math.floor(s.getTime() / HOUR_MS));
      continue;
    }
    const last = Math.ceil(s.to.getTime() / HOUR_MS) - 1;
    for (let h = Math.floor(s.from.getTime() / HOUR_MS); h <= last; h++) hours.add(h);
  }
  return [...hours].sort((a, b) => a - b);
}

/**
 * Takes the hour locks of `hours` (ascending, see hoursOf) of the connection's tenant
 * (etl.tenant()) for the rest of the transaction. unnest keeps the array's order, so the locks
 * are taken in it. A tenant missing from etl.tenants would take no lock at all: refused instead.
 */
export async function lockSessionHours(trx: Knex.Transaction, hours: number[]): Promise<void> {
  if (hours.length === 0) return;
  const r = await trx.raw(
    `SELECT count(pg_advisory_xact_lock(t.class, h::int)) AS n
       FROM (SELECT ?::int + lock_key AS class FROM etl.tenants WHERE name = etl.tenant()) t, unnest(?::bigint[]) AS h`,
    [HOURS_BASE, hours],
  );
  if (Number(r.rows[0].n) !== hours.length) throw new Error(`the hour locks of tenant ${String((await trx.raw(`SELECT etl.tenant() AS t`)).rows[0].t)} could not be taken: it is not registered in etl.tenants`);
}

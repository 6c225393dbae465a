import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

export type { Knex };

// Return bigint and numeric as JS values: ids fit in 2^53 and durations are
// numeric(12,3), so Number keeps every millisecond.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface KnexOptions {
  min?: number;
  max?: number;
  /**
   * The tenant every connection of the pool works for: set as mluvii.tenant when it opens, so
   * etl.tenant() names it in every query and fills every tenant column (src/db/tenant-knex.ts).
   */
  tenant?: string;
  /** How pg_stat_activity names the connections (a worker adds its host and pid); default mluvii-etl. */
  applicationName?: string;
}

export function createKnex(connectionString: string, pool: KnexOptions = {}): Knex {
  const { tenant } = pool;
  return knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: pool.applicationName ?? 'mluvii-etl' },
    pool: {
      min: pool.min ?? 0,
      max: pool.max ?? 4,
      ...(tenant === undefined
        ? {}
        : {
            afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
              conn.query(`SELECT set_config('mluvii.tenant', $1, false)`, [tenant], (err: Error | null) => done(err, conn));
            },
          }),
    },
    // knex prints its own errors with stack traces to the console; ours reach the user once, as one line.
    log: { warn() {}, error() {}, deprecate() {}, debug() {} },
  });
}

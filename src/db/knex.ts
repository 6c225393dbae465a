import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

export type { Knex };

// Return bigint and numeric as JS values: ids fit in 2^53 and durations are
// numeric(12,3), so Number keeps every millisecond.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** `applicationName`: how pg_stat_activity names the connections (a worker adds its host and pid). */
export function createKnex(connectionString: string, pool: { min?: number; max?: number } = {}, applicationName = 'mluvii-etl'): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: applicationName },
    pool: { min: pool.min ?? 0, max: pool.max ?? 4 },
    // knex prints its own errors with stack traces to the console; ours reach the user once, as one line.
    log: { warn() {}, error() {}, deprecate() {}, debug() {} },
  });
}

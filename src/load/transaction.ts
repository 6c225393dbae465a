import type { Knex } from 'knex';

/**
 * Runs `work` in one database transaction: committed when it resolves, rolled back when it
 * throws. The pipeline's unit of atomicity (a window with its done mark, a batch of a reprocess)
 * without the pipeline touching the query builder.
 */
export function inTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(work);
}

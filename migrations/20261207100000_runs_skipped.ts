import type { Knex } from 'knex';

/**
 * etl.runs.status 'skipped': a command that found another writer holding the lock did nothing and
 * says so. Overlapping schedules are harmless, so such a run must not read as a failure.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE etl.runs DROP CONSTRAINT IF EXISTS runs_status_check;
    ALTER TABLE etl.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'skipped'));
    UPDATE etl.runs SET status = 'skipped'
     WHERE status = 'failed' AND windows_done = 0 AND error LIKE 'another mluvii-etl run%is running against this database%';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE etl.runs SET status = 'failed' WHERE status = 'skipped';
    ALTER TABLE etl.runs DROP CONSTRAINT IF EXISTS runs_status_check;
    ALTER TABLE etl.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed'));
  `);
}

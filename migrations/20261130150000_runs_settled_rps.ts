import type { Knex } from 'knex';

/**
 * etl.runs.settled_rps: with MLUVII_RPS=auto, the request rate the run settled on (what the
 * server admitted when it last answered 429, or the rate reached when it never did). NULL for a
 * fixed MLUVII_RPS and for reprocess (no API calls). `status` shows the latest one: the figure to
 * put in MLUVII_RPS if you would rather fix it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE etl.runs ADD COLUMN IF NOT EXISTS settled_rps numeric;
    COMMENT ON COLUMN etl.runs.settled_rps IS
      'MLUVII_RPS=auto: requests per second the run settled on (the server''s limit as found); NULL with a fixed MLUVII_RPS';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE etl.runs DROP COLUMN IF EXISTS settled_rps`);
}

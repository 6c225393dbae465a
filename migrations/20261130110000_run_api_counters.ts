import type { Knex } from 'knex';

/**
 * What on-call needs from a run beyond its windows: how hard the API pushed back (429 answers,
 * retried attempts) and where operator names came from (/Users, or the session payloads when the
 * API user may not list users), so `status` shows them for every run kind.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE etl.runs
      ADD COLUMN api_rate_limited integer NOT NULL DEFAULT 0,
      ADD COLUMN api_retries      integer NOT NULL DEFAULT 0,
      ADD COLUMN operator_names   text;
    COMMENT ON COLUMN etl.runs.api_rate_limited IS 'API answers HTTP 429 (the server pacing us) during the run';
    COMMENT ON COLUMN etl.runs.api_retries IS 'API attempts that were retried (429, 408, 5xx, network errors, timeouts)';
    COMMENT ON COLUMN etl.runs.operator_names IS 'where operator names came from in this run, e.g. "/Users (12 users)" or "session payloads (/Users: HTTP 403)"';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE etl.runs DROP COLUMN IF EXISTS api_rate_limited, DROP COLUMN IF EXISTS api_retries, DROP COLUMN IF EXISTS operator_names`);
}

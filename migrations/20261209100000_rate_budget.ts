import type { Knex } from 'knex';

/**
 * One request budget per tenant, shared by every process that calls the tenant's API (issue
 * "Several tenants, many workers"): three workers on one tenant together stay under its limit.
 *
 * etl.rate_budget is a token bucket kept in the form of the instant its next token is due (GCRA,
 * the "virtual scheduling" form of a token bucket): a claim of k tokens takes the k start instants
 * from next_start on, `spacing` apart, and moves next_start past them in one atomic UPDATE. Start
 * instants are therefore never closer than `spacing` across all processes, so the server's rolling
 * second never sees more than its limit, which a bucket holding tokens to spend at once could not
 * promise (it admits capacity + rate in a second). The code is src/load/rate-budget.ts.
 *
 * - claimer, shared_at: whether the tenant's starts were lately handed to more than one process
 *   (a process alone may start a little late; see src/mluvii/shared-slots.ts).
 * - paused_until: a 429's Retry-After (or the client's own pause after one), seen by one process,
 *   holds every process: no start is handed out before it.
 * - With MLUVII_RPS=auto the rate is learned once per tenant: `rate` is the one value, `cuts`,
 *   `cut_at` and `w_max` the last cut every process's controller follows.
 *
 * Keyed by tenant like every etl table, with the same row-level security (readers have no access
 * to the schema etl anyway).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE etl.rate_budget (
      tenant       text PRIMARY KEY DEFAULT etl.tenant() REFERENCES etl.tenants (name),
      rate         double precision NOT NULL CHECK (rate > 0),
      next_start   timestamptz NOT NULL,
      paused_until timestamptz,
      cuts         integer NOT NULL DEFAULT 0,
      cut_at       timestamptz,
      w_max        double precision,
      claimer      text,
      shared_at    timestamptz,
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE etl.rate_budget IS
      'The API request budget of each tenant, shared by every process that calls its API: a token bucket kept as the instant the next request may start (next_start); a claim takes the next starts and moves it on.';
    COMMENT ON COLUMN etl.rate_budget.tenant IS 'The mluvii tenant of the row (etl.tenants); it leads every key.';
    COMMENT ON COLUMN etl.rate_budget.rate IS 'Request starts per second in force for the tenant (MLUVII_RPS, or the rate learned with MLUVII_RPS=auto).';
    COMMENT ON COLUMN etl.rate_budget.next_start IS 'The instant the next request of the tenant may start; claims move it on by the spacing of the rate.';
    COMMENT ON COLUMN etl.rate_budget.paused_until IS 'No request of the tenant starts before this: the server answered 429 (its Retry-After, or the pause after one) to one of the processes.';
    COMMENT ON COLUMN etl.rate_budget.cuts IS 'MLUVII_RPS=auto: how many times the learned rate was cut after a 429 (every process follows the latest cut).';
    COMMENT ON COLUMN etl.rate_budget.cut_at IS 'MLUVII_RPS=auto: when the learned rate was last cut.';
    COMMENT ON COLUMN etl.rate_budget.w_max IS 'MLUVII_RPS=auto: what the server admitted at the last cut, the plateau the rate grows back to.';
    COMMENT ON COLUMN etl.rate_budget.claimer IS 'Which process made the last claim (a random name of its client).';
    COMMENT ON COLUMN etl.rate_budget.shared_at IS 'The first claim, and the last by another process than the one before: until a while after it, no process takes itself to be alone on the budget.';
    COMMENT ON COLUMN etl.rate_budget.updated_at IS 'The last claim, pause or cut.';
    ALTER TABLE etl.rate_budget ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_readers ON etl.rate_budget FOR SELECT TO PUBLIC USING (tenant = ANY ((SELECT etl.readable_tenants(current_user))::text[]));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE etl.rate_budget`);
}

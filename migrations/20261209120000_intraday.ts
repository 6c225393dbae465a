import type { Knex } from 'knex';
import { migrationSql } from '../src/db/migration-sql.js';

/**
 * Today's numbers within a minute (webhook hints loaded by the workers):
 * - etl.hint_loads: per tenant, when a worker last read the sessions mluvii's webhooks named
 *   (load/hint-loads.ts writes it), keyed and guarded by tenant like every table;
 * - core.report_now(): the "now" of the views that show today (mluvii.as_of can move it);
 * - core.loaded_through: per tenant, how fresh its rows are, by windows and by hints;
 * - reporting.today_kpis: one row per tenant, today so far and the current 15-minute interval.
 * New objects only: nothing existing is replaced, so no summary is rebuilt.
 */

const FILES = ['core.report_now.sql', 'core.loaded_through.sql', 'reporting.today_kpis.sql'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE etl.hint_loads (
      tenant         text PRIMARY KEY DEFAULT etl.tenant() REFERENCES etl.tenants (name),
      loaded_through timestamptz NOT NULL,
      updated_at     timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE etl.hint_loads IS
      'Per tenant, when a worker last read the sessions that mluvii''s webhooks named (session hints, queued by serve): what reporting.today_kpis calls hints_loaded_through.';
    COMMENT ON COLUMN etl.hint_loads.tenant IS 'The mluvii tenant of the row (etl.tenants); it leads every key.';
    ALTER TABLE etl.hint_loads ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_readers ON etl.hint_loads FOR SELECT TO PUBLIC USING (tenant = ANY ((SELECT etl.readable_tenants(current_user))::text[]));
  `);
  for (const file of FILES) await knex.raw(migrationSql(file));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW reporting.today_kpis;
    DROP VIEW core.loaded_through;
    DROP FUNCTION core.report_now();
    DROP TABLE etl.hint_loads;
  `);
}

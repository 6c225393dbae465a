import type { Knex } from 'knex';
import { historySql } from '../src/db/migration-sql.js';

/**
 * The first reporting layer (docs/reporting.md, docs/metrics.md "Daily KPIs"), as it was created;
 * 20261130160000_reporting_from_sql_files replaced all of it but etl.settings. Its SQL is frozen in
 * migrations/sql/history/20261124000300/, one file per object:
 *
 * - `etl.settings`: the one row holding REPORT_TZ and SERVICE_LEVEL_SECONDS as the database sees
 *   them, kept in step with the configuration by every command (syncReportingSettings).
 * - `core.daily_kpis_for_days` / `core.operator_daily_for_days`: the K-rules, computed straight
 *   from core for a range of REPORT_TZ days.
 * - `core.daily_kpis_summary` / `core.operator_daily_summary`: the same rows, stored, refreshed
 *   by every load in its own transaction (`core.refresh_reporting_summaries`).
 * - `reporting.*`: the views BI tools read, every view and column with a COMMENT.
 */

const MIGRATION = '20261124000300';

/** In the order they depend on each other. */
const FILES = [
  'etl.settings.sql',
  'core.daily_kpis_for_days.sql',
  'core.operator_daily_for_days.sql',
  'core.reporting_summaries.sql',
  'core.refresh_reporting_days.sql',
  'core.refresh_reporting_summaries.sql',
  'core.rebuild_reporting_summaries.sql',
  'reporting.session_durations.sql',
  'reporting.operator_sessions.sql',
  'reporting.session_states.sql',
  'reporting.routing_events.sql',
  'reporting.daily_kpis.sql',
  'reporting.operator_daily.sql',
  'reporting.report_settings.sql',
];

export async function up(knex: Knex): Promise<void> {
  for (const file of FILES) await knex.raw(historySql(MIGRATION, file));
  // A database that already holds sessions gets its summaries now.
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP VIEW IF EXISTS reporting.session_durations;
    DROP VIEW IF EXISTS reporting.operator_sessions;
    DROP VIEW IF EXISTS reporting.session_states;
    DROP VIEW IF EXISTS reporting.routing_events;
    DROP VIEW IF EXISTS reporting.daily_kpis;
    DROP VIEW IF EXISTS reporting.operator_daily;
    DROP VIEW IF EXISTS reporting.report_settings;
    DROP FUNCTION IF EXISTS core.rebuild_reporting_summaries();
    DROP FUNCTION IF EXISTS core.refresh_reporting_summaries(timestamptz, timestamptz);
    DROP FUNCTION IF EXISTS core.refresh_reporting_days(date, date);
    DROP TABLE IF EXISTS core.operator_daily_summary;
    DROP TABLE IF EXISTS core.daily_kpis_summary;
    DROP FUNCTION IF EXISTS core.operator_daily_for_days(date, date);
    DROP FUNCTION IF EXISTS core.daily_kpis_for_days(date, date);
    DROP TABLE IF EXISTS etl.settings;
  `);
}

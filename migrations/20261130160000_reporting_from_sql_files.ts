import type { Knex } from 'knex';
import { historySql, migrationSql } from '../src/db/migration-sql.js';
import * as previous from './20261124000300_reporting.js';

/**
 * The reporting layer, rewritten as one readable `.sql` file per view and KPI function
 * (migrations/sql/, see docs/reporting.md), and made analyst-ready (issue #16):
 *
 * - every K-rule is a small SQL function defined once (core.report_day, core.kpi_is_answered,
 *   core.kpi_is_abandoned, core.kpi_handle_s …) and applied once per session in core.kpi_sessions,
 *   which every KPI function and reporting.session_durations read;
 * - weekly and monthly KPIs beside the daily ones (one summary table, core.period_kpis_summary),
 *   15-minute interval KPIs by arrival in the queue (core.interval_kpis_parts/_summary), short abandons
 *   and the service-level variants, with every ratio's numerator and denominator as columns;
 * - the setting SHORT_ABANDON_SECONDS in etl.settings beside REPORT_TZ and SERVICE_LEVEL_SECONDS;
 * - long-form views of quality flags and skipped states; renames listed in CHANGELOG.md.
 *
 * The files are read from <package root>/migrations/sql at migration time (src/db/migration-sql.ts),
 * so this migration runs the same from the TypeScript sources and from compiled JavaScript; those
 * a later migration replaced are read as they were then, from migrations/sql/history/20261130160000/.
 * Down drops all of it and rebuilds the previous migration's reporting layer as it was.
 */

/** In the order they depend on each other. */
const FILES = [
  // the K-rules, one function each
  'core.report_day.sql',
  'core.report_interval_start.sql',
  'core.kpi_is_answered.sql',
  'core.kpi_is_abandoned.sql',
  'core.kpi_is_answered_within_sl.sql',
  'core.kpi_handle_s.sql',
  'core.kpi_abandon_wait_s.sql',
  'core.kpi_is_short_abandoned.sql',
  'core.kpi_ratio.sql',
  'core.kpi_avg_s.sql',
  // per session, then the aggregates, their stored rows and their refresh
  'core.kpi_sessions.sql',
  'core.kpis_for_periods.sql',
  'core.interval_kpis_for_days.sql',
  'core.operator_daily_for_days.sql',
  'core.reporting_summaries.sql',
  'core.period_kpis.sql',
  'core.refresh_reporting_days.sql',
  'core.refresh_reporting_summaries.sql',
  'core.rebuild_reporting_summaries.sql',
  // what BI tools read
  'reporting.session_durations.sql',
  'reporting.session_flags.sql',
  'reporting.session_skipped_states.sql',
  'reporting.operator_sessions.sql',
  'reporting.session_states.sql',
  'reporting.routing_events.sql',
  'reporting.daily_kpis.sql',
  'reporting.weekly_kpis.sql',
  'reporting.monthly_kpis.sql',
  'reporting.interval_kpis.sql',
  'reporting.operator_daily.sql',
  'reporting.report_settings.sql',
];

/**
 * The files no later migration changed (the K-rule functions): read from migrations/sql. Every
 * other file was replaced since (20261201090000_rules_once_is_accepted, 20261208100100_tenant_reporting)
 * and is read as this migration applied it, from migrations/sql/history/20261130160000/.
 */
const UNCHANGED_SINCE = new Set([
  'core.report_day.sql',
  'core.report_interval_start.sql',
  'core.kpi_is_answered.sql',
  'core.kpi_is_abandoned.sql',
  'core.kpi_is_answered_within_sl.sql',
  'core.kpi_handle_s.sql',
  'core.kpi_abandon_wait_s.sql',
  'core.kpi_is_short_abandoned.sql',
  'core.kpi_ratio.sql',
  'core.kpi_avg_s.sql',
]);

/** A file's text as this migration applied it. */
const sqlAsApplied = (file: string): string => (UNCHANGED_SINCE.has(file) ? migrationSql(file) : historySql('20261130160000', file));

/** The previous migration's objects this one replaces (all but etl.settings, which it extends). */
const DROP_PREVIOUS = `
  DROP VIEW reporting.session_durations, reporting.operator_sessions, reporting.session_states,
            reporting.routing_events, reporting.daily_kpis, reporting.operator_daily, reporting.report_settings;
  DROP FUNCTION core.rebuild_reporting_summaries();
  DROP FUNCTION core.refresh_reporting_summaries(timestamptz, timestamptz);
  DROP FUNCTION core.refresh_reporting_days(date, date);
  DROP TABLE core.operator_daily_summary, core.daily_kpis_summary;
  DROP FUNCTION core.operator_daily_for_days(date, date);
  DROP FUNCTION core.daily_kpis_for_days(date, date);
`;

/** Everything this migration creates, dependants first. */
const DROP_OURS = `
  DROP VIEW IF EXISTS
    reporting.report_settings, reporting.operator_daily, reporting.interval_kpis, reporting.monthly_kpis,
    reporting.weekly_kpis, reporting.daily_kpis, reporting.routing_events, reporting.session_states,
    reporting.operator_sessions, reporting.session_skipped_states, reporting.session_flags,
    reporting.session_durations;
  DROP FUNCTION IF EXISTS core.rebuild_reporting_summaries();
  DROP FUNCTION IF EXISTS core.refresh_reporting_summaries(timestamptz, timestamptz);
  DROP FUNCTION IF EXISTS core.refresh_reporting_days(date, date);
  DROP VIEW IF EXISTS core.period_kpis;
  DROP TABLE IF EXISTS core.operator_daily_summary, core.interval_kpis_summary, core.interval_kpis_parts, core.period_kpis_summary;
  DROP FUNCTION IF EXISTS core.operator_daily_for_days(date, date);
  DROP FUNCTION IF EXISTS core.interval_kpis_for_days(date, date);
  DROP FUNCTION IF EXISTS core.kpis_for_periods(text, date, date);
  DROP VIEW IF EXISTS core.kpi_sessions;
  DROP FUNCTION IF EXISTS core.kpi_avg_s(numeric, bigint);
  DROP FUNCTION IF EXISTS core.kpi_ratio(numeric, numeric);
  DROP FUNCTION IF EXISTS core.kpi_is_short_abandoned(numeric, numeric);
  DROP FUNCTION IF EXISTS core.kpi_abandon_wait_s(boolean, timestamptz, timestamptz);
  DROP FUNCTION IF EXISTS core.kpi_handle_s(numeric, numeric);
  DROP FUNCTION IF EXISTS core.kpi_is_answered_within_sl(boolean, numeric, numeric);
  DROP FUNCTION IF EXISTS core.kpi_is_abandoned(boolean, boolean, boolean);
  DROP FUNCTION IF EXISTS core.kpi_is_answered(boolean, boolean);
  DROP FUNCTION IF EXISTS core.report_interval_start(timestamptz, text);
  DROP FUNCTION IF EXISTS core.report_day(timestamptz, text);
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(DROP_PREVIOUS);
  await knex.raw(`
    ALTER TABLE etl.settings
      ADD COLUMN short_abandon_seconds numeric NOT NULL DEFAULT 5
      CONSTRAINT settings_short_abandon_seconds_not_negative CHECK (short_abandon_seconds >= 0);
    COMMENT ON TABLE etl.settings IS
      'The reporting settings the views use, kept in step with REPORT_TZ, SERVICE_LEVEL_SECONDS and SHORT_ABANDON_SECONDS by every command (syncReportingSettings).';
  `);
  for (const file of FILES) await knex.raw(sqlAsApplied(file));
  // A database that already holds sessions gets its summaries now.
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

export async function down(knex: Knex): Promise<void> {
  const { rows } = await knex.raw('SELECT report_tz, service_level_seconds FROM etl.settings');
  await knex.raw(DROP_OURS);
  // The previous migration's own down and up give back exactly its reporting layer.
  await previous.down(knex);
  await previous.up(knex);
  if (rows.length === 1) {
    await knex.raw('UPDATE etl.settings SET report_tz = ?, service_level_seconds = ?', [rows[0].report_tz, rows[0].service_level_seconds]);
    await knex.raw('SELECT core.rebuild_reporting_summaries()');
  }
}

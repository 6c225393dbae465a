import type { Knex } from 'knex';
import { historySql, migrationSql } from '../src/db/migration-sql.js';
import { keepOneTenant } from './20261208100000_tenant_keys.js';

/**
 * Several tenants in one warehouse, part 2: the reporting layer on tenant keys (part 1,
 * 20261208100000_tenant_keys, added them).
 *
 * - Every reporting view has a `tenant` column, and every KPI is computed per tenant with its own
 *   REPORT_TZ and thresholds (etl.settings holds one row per tenant): core.kpi_sessions joins each
 *   session to its tenant's settings; the KPI functions and the refresh take the tenant.
 * - The summary tables are created again with the tenant leading their keys, and rebuilt from core
 *   (derived rows: nothing is fetched again).
 * - The reporting views, and the core views they read, run with the rights of whoever queries them
 *   (security_invoker, Postgres 15+), so the row-level security of part 1 shows a tenant's reader
 *   only its own tenant's rows whichever view it reads.
 *
 * Down puts back the definitions these replaced, from migrations/sql/history/. A file a later
 * migration changed is read as this one applied it, from migrations/sql/history/20261208100100/.
 */

/** What this migration replaces and what it creates (same names), dependants first. */
const DROP = `
  DROP VIEW IF EXISTS
    reporting.report_settings, reporting.operator_daily, reporting.interval_kpis, reporting.monthly_kpis,
    reporting.weekly_kpis, reporting.daily_kpis, reporting.routing_events, reporting.session_states,
    reporting.operator_sessions, reporting.session_skipped_states, reporting.session_flags,
    reporting.session_durations, reporting.session_files;
  DROP FUNCTION IF EXISTS core.rebuild_reporting_summaries(), core.rebuild_reporting_summaries(text);
  DROP FUNCTION IF EXISTS core.refresh_reporting_summaries(timestamptz, timestamptz), core.refresh_reporting_summaries(text, timestamptz, timestamptz);
  DROP FUNCTION IF EXISTS core.refresh_reporting_days(date, date), core.refresh_reporting_days(text, date, date);
  DROP VIEW IF EXISTS core.period_kpis;
  DROP TABLE IF EXISTS core.operator_daily_summary, core.interval_kpis_summary, core.interval_kpis_parts, core.period_kpis_summary;
  DROP FUNCTION IF EXISTS core.operator_daily_for_days(date, date), core.operator_daily_for_days(text, date, date);
  DROP FUNCTION IF EXISTS core.interval_kpis_for_days(date, date), core.interval_kpis_for_days(text, date, date);
  DROP FUNCTION IF EXISTS core.kpis_for_periods(text, date, date), core.kpis_for_periods(text, text, date, date);
  DROP FUNCTION IF EXISTS core.kpi_sessions_for_days(date, date), core.kpi_sessions_for_days(text, date, date);
  DROP VIEW IF EXISTS core.kpi_sessions;
`;

/** The objects in the order they depend on each other (the K-rule functions stay as they are). */
const FILES = [
  'core.kpi_sessions.sql',
  'core.kpi_sessions_for_days.sql',
  'core.kpis_for_periods.sql',
  'core.interval_kpis_for_days.sql',
  'core.operator_daily_for_days.sql',
  'core.reporting_summaries.sql',
  'core.period_kpis.sql',
  'core.refresh_reporting_days.sql',
  'core.refresh_reporting_summaries.sql',
  'core.rebuild_reporting_summaries.sql',
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
  'reporting.session_files.sql',
];

/** Where each file's previous text lies: the history folder of the migration that applied it. */
const APPLIED_BY: Record<string, string> = {
  'core.kpi_sessions.sql': '20261201090000',
  'core.kpi_sessions_for_days.sql': '20261201090000',
  'core.kpis_for_periods.sql': '20261201090000',
  'core.interval_kpis_for_days.sql': '20261201090000',
  'core.operator_daily_for_days.sql': '20261201090000',
  'reporting.operator_sessions.sql': '20261201090000',
  'reporting.routing_events.sql': '20261201090000',
  'reporting.operator_daily.sql': '20261201090000',
  'reporting.session_files.sql': '20261207120000',
};

/** Files a later migration changed (20261209130000_interval_freshness): read as this migration applied them. */
const CHANGED_SINCE = new Set(['reporting.interval_kpis.sql']);

/** A file's text as this migration applied it. */
const sqlAsApplied = (file: string): string => (CHANGED_SINCE.has(file) ? historySql('20261208100100', file) : migrationSql(file));

export async function up(knex: Knex): Promise<void> {
  await knex.raw(DROP);
  for (const file of FILES) await knex.raw(sqlAsApplied(file));
  // The summaries of every tenant, from core (derived rows: nothing is loaded again).
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

export async function down(knex: Knex): Promise<void> {
  // The previous layer knows one tenant: keep the migrating connection's (else `default`), as part 1's down does.
  const { rows } = await knex.raw(`SELECT coalesce(nullif(current_setting('mluvii.tenant', true), ''), 'default') AS name`);
  await keepOneTenant(knex, rows[0].name as string);
  await knex.raw(DROP);
  for (const file of FILES) await knex.raw(historySql(APPLIED_BY[file] ?? '20261130160000', file));
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

import type { Knex } from 'knex';
import { historySql, migrationSql } from '../src/db/migration-sql.js';

/**
 * Every rule of the reporting layer written once, and core's names meaning what reporting's mean
 * (issue 13). The views keep their columns and rows.
 *
 * - core.sessions.is_answered is now is_accepted: it records any acceptance by an operator (the
 *   transform's routing.hasAccepted), while reporting's is_answered is K-ANSWERED, an offered
 *   session that was accepted (CHANGELOG.md).
 * - core.kpi_sessions applies K-ANSWERED and K-ABANDONED once and builds the rules that depend on
 *   them on those results, instead of nesting the same calls three deep.
 * - core.kpi_sessions_for_days: the sessions of a range of REPORT_TZ days, with the index bounds
 *   that core.kpis_for_periods, core.interval_kpis_for_days and core.operator_daily_for_days each
 *   wrote out.
 * - core.operator_name: "First Last", else the user name, which four places wrote out.
 *
 * Down puts back the definitions of 20261130160000 (migrations/sql/history/20261130160000/).
 */

const PREVIOUS = '20261130160000';
/**
 * Its own definitions, as it applied them: 20261208100100_tenant_reporting replaced them, and
 * they lie in migrations/sql/history/20261201090000/ since. The views it re-created unchanged
 * (KPI_SESSIONS_READERS) are the text 20261130160000 applied, in that migration's history folder.
 */
const THIS = '20261201090000';

/** What changes, and what depends on core.kpi_sessions (a view cannot outlive what it reads). */
const DROP_SHARED = `
  DROP VIEW reporting.session_durations, reporting.session_flags, reporting.session_skipped_states,
            reporting.operator_sessions, reporting.routing_events, reporting.operator_daily;
  DROP FUNCTION core.kpis_for_periods(text, date, date);
  DROP FUNCTION core.interval_kpis_for_days(date, date);
  DROP FUNCTION core.operator_daily_for_days(date, date);
`;

/** The views this migration re-creates unchanged, because they read core.kpi_sessions. */
const KPI_SESSIONS_READERS = ['reporting.session_durations.sql', 'reporting.session_flags.sql', 'reporting.session_skipped_states.sql'];

/** The changed definitions, in the order they depend on each other. */
const CHANGED = ['core.kpis_for_periods.sql', 'core.interval_kpis_for_days.sql', 'core.operator_daily_for_days.sql'];
const CHANGED_VIEWS = ['reporting.operator_sessions.sql', 'reporting.routing_events.sql', 'reporting.operator_daily.sql'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`${DROP_SHARED} DROP VIEW core.kpi_sessions;`);
  await knex.raw(`
    ALTER TABLE core.sessions RENAME COLUMN is_answered TO is_accepted;
    COMMENT ON COLUMN core.sessions.is_accepted IS
      'An operator accepted the session (AcceptedByOperator), offered or not. K-ANSWERED is is_offered AND is_accepted (core.kpi_is_answered).';
  `);
  await knex.raw(migrationSql('core.operator_name.sql'));
  for (const file of ['core.kpi_sessions.sql', 'core.kpi_sessions_for_days.sql', ...CHANGED]) await knex.raw(historySql(THIS, file));
  for (const file of KPI_SESSIONS_READERS) await knex.raw(historySql(PREVIOUS, file));
  for (const file of CHANGED_VIEWS) await knex.raw(historySql(THIS, file));
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ${DROP_SHARED}
    DROP FUNCTION core.kpi_sessions_for_days(date, date);
    DROP VIEW core.kpi_sessions;
    DROP FUNCTION core.operator_name(text, text, text);
  `);
  await knex.raw(`
    COMMENT ON COLUMN core.sessions.is_accepted IS NULL;
    ALTER TABLE core.sessions RENAME COLUMN is_accepted TO is_answered;
  `);
  await knex.raw(historySql(PREVIOUS, 'core.kpi_sessions.sql'));
  for (const file of CHANGED) await knex.raw(historySql(PREVIOUS, file));
  for (const file of KPI_SESSIONS_READERS) await knex.raw(historySql(PREVIOUS, file));
  for (const file of CHANGED_VIEWS) await knex.raw(historySql(PREVIOUS, file));
  await knex.raw('SELECT core.rebuild_reporting_summaries()');
}

import type { Knex } from 'knex';
import { DATE_ONLY } from '../util/dates.js';

/**
 * The summary tables behind `reporting.daily_kpis`, `weekly_kpis`, `monthly_kpis`,
 * `interval_kpis` and `operator_daily` (migrations/sql/core.reporting_summaries.sql). The KPI
 * definitions live in the database (`core.kpis_for_periods`, `core.interval_kpis_for_days`,
 * `core.operator_daily_for_days`); these functions only say which days to recompute (with their
 * weeks, months and 15-minute intervals).
 */

/** A created_at bound: a Date, an ISO instant with an offset, or a bare date (a day in REPORT_TZ). */
export type CreatedBound = Date | string;


/** SQL and binding for one bound; a bare date is the start of that day in REPORT_TZ. */
function bound(value: CreatedBound): [string, string] {
  if (typeof value === 'string' && DATE_ONLY.test(value)) {
    return ['(?::date::timestamp AT TIME ZONE (SELECT report_tz FROM etl.settings WHERE tenant = etl.tenant()))', value];
  }
  if (value instanceof Date && Number.isNaN(value.getTime())) throw new RangeError('refreshReportingSummaries: invalid Date');
  return ['?::timestamptz', value instanceof Date ? value.toISOString() : value];
}

/**
 * Recomputes, from core, the connection's tenant's summary rows of every REPORT_TZ day that overlaps the half-open
 * created_at range `[from, to)`; `from = to` means the day of `from`. Call it in the transaction
 * that changed core, so that the commit publishes facts and KPIs together.
 *
 * `to` is exclusive: for "the sessions I touched" pass `to` just past the largest created_at
 * (e.g. max + 1 ms), or the same instant as `from` for a single session. Days outside the range
 * are not looked at. Serialised by a transaction-level advisory lock, so two transactions
 * refreshing the same day never interleave. Cost: one index range scan of the days' sessions
 * (a few ms for a few thousand sessions).
 */
export async function refreshReportingSummaries(
  db: Knex | Knex.Transaction,
  createdRange: { from: CreatedBound; to: CreatedBound },
): Promise<void> {
  const [fromSql, fromValue] = bound(createdRange.from);
  const [toSql, toValue] = bound(createdRange.to);
  await db.raw(`SELECT core.refresh_reporting_summaries(etl.tenant(), ${fromSql}, ${toSql})`, [fromValue, toValue]);
}

/** Recomputes every summary row of the connection's tenant from core (after its REPORT_TZ, SERVICE_LEVEL_SECONDS or SHORT_ABANDON_SECONDS changed). */
export async function rebuildAllReportingSummaries(db: Knex | Knex.Transaction): Promise<void> {
  await db.raw('SELECT core.rebuild_reporting_summaries(etl.tenant())');
}

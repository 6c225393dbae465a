import type { Knex } from 'knex';
import { ConfigError } from '../errors.js';
import { rebuildAllReportingSummaries } from './reporting-summaries.js';

/** The settings the reporting views use (design.md "Configuration"), as stored in etl.settings. */
export interface ReportingSettings {
  reportTz: string;
  serviceLevelSeconds: number;
}

export async function readReportingSettings(db: Knex | Knex.Transaction): Promise<ReportingSettings> {
  const { rows } = await db.raw(
    'SELECT report_tz AS "reportTz", service_level_seconds::float8 AS "serviceLevelSeconds" FROM etl.settings',
  );
  if (rows.length !== 1) throw new Error('etl.settings must hold exactly one row: run `npx mluvii-etl migrate`');
  return rows[0] as ReportingSettings;
}

/**
 * Writes REPORT_TZ and SERVICE_LEVEL_SECONDS into etl.settings. When either changed, every
 * summary row is rebuilt in the same transaction: a new time zone moves sessions between days,
 * a new threshold changes answered_within_sl. Analysts see the old numbers until the commit, then
 * the new ones, never a mix. Called at the start of migrate, run, backfill and reprocess.
 *
 * Throws ConfigError('REPORT_TZ') when Postgres does not know the time zone.
 */
export async function syncReportingSettings(
  knex: Knex,
  config: { reportTz: string; serviceLevelSeconds: number },
): Promise<{ changed: boolean }> {
  const known = await knex.raw('SELECT 1 FROM pg_timezone_names WHERE name = ?', [config.reportTz]);
  if (known.rows.length === 0) {
    throw new ConfigError('REPORT_TZ', `REPORT_TZ "${config.reportTz}" is not a time zone this Postgres knows (see pg_timezone_names)`);
  }
  if (!(config.serviceLevelSeconds > 0)) {
    throw new ConfigError('SERVICE_LEVEL_SECONDS', `SERVICE_LEVEL_SECONDS must be a positive number, got ${config.serviceLevelSeconds}`);
  }
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `SELECT report_tz, service_level_seconds = ?::numeric AS same_threshold FROM etl.settings FOR UPDATE`,
      [config.serviceLevelSeconds],
    );
    if (rows.length === 1 && rows[0].report_tz === config.reportTz && rows[0].same_threshold) return { changed: false };
    await trx.raw(
      `INSERT INTO etl.settings (singleton, report_tz, service_level_seconds, updated_at) VALUES (true, ?, ?, now())
       ON CONFLICT (singleton) DO UPDATE SET report_tz = EXCLUDED.report_tz,
         service_level_seconds = EXCLUDED.service_level_seconds, updated_at = now()`,
      [config.reportTz, config.serviceLevelSeconds],
    );
    await rebuildAllReportingSummaries(trx);
    return { changed: true };
  });
}

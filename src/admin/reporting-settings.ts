import type { Knex } from 'knex';
import { ConfigError } from '../errors.js';
import { rebuildAllReportingSummaries } from '../load/reporting-summaries.js';
import { syncReaderTimeZone, type ReaderTimeZoneSync } from './reader-role.js';
import { tenantReaderRoles } from './tenant-readers.js';

/** The settings the reporting views use (README "Configuration"), as stored in etl.settings: one row per tenant. */
export interface ReportingSettings {
  reportTz: string;
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
}

/** What syncReportingSettings is given: the three settings, and the reader role to keep in step. */
export interface ReportingSettingsConfig {
  reportTz: string;
  serviceLevelSeconds: number;
  /** SHORT_ABANDON_SECONDS; the default (5) when not given. */
  shortAbandonSeconds?: number;
  /** REPORTING_ROLE: when given and the role exists, its TimeZone in this database follows REPORT_TZ. */
  reportingRole?: string;
  /** A registered tenant's settings: REPORTING_ROLE (every tenant's reader) follows the environment's tenant, not this one. */
  tenantRegistered?: true;
}

const DEFAULT_SHORT_ABANDON_SECONDS = 5;

export async function readReportingSettings(db: Knex | Knex.Transaction): Promise<ReportingSettings> {
  const { rows } = await db.raw(
    `SELECT report_tz AS "reportTz", service_level_seconds::float8 AS "serviceLevelSeconds",
            short_abandon_seconds::float8 AS "shortAbandonSeconds" FROM etl.settings WHERE tenant = etl.tenant()`,
  );
  if (rows.length !== 1) throw new Error('etl.settings holds no row of this tenant: run `npx mluvii-etl migrate`');
  return rows[0] as ReportingSettings;
}

/**
 * Writes REPORT_TZ, SERVICE_LEVEL_SECONDS and SHORT_ABANDON_SECONDS into the connection's tenant's
 * row of etl.settings. When any changed, every summary row of the tenant is rebuilt in the same
 * transaction: a new time zone moves sessions between days and intervals, a new threshold changes
 * answered_within_sl or short_abandoned. Analysts see the old numbers until the commit, then the
 * new ones, never a mix. Called at the start of migrate, run, backfill and reprocess.
 *
 * With `reportingRole` (the environment's tenant), the reader role's TimeZone in this database is
 * set to REPORT_TZ as well (syncReaderTimeZone), so that a BI tool grouping instants by day or
 * hour buckets them as the views do; `readerTimeZone` says what happened to it ('not-permitted'
 * when we may not alter the role: migrate then warns with the statement an admin must run). The
 * reader roles of the tenant alone (`tenants grant-reader`) follow the tenant's REPORT_TZ the same way.
 *
 * Throws ConfigError('REPORT_TZ') when Postgres does not know the time zone.
 */
export async function syncReportingSettings(
  knex: Knex,
  config: ReportingSettingsConfig,
): Promise<{ changed: boolean; readerTimeZone?: ReaderTimeZoneSync }> {
  const known = await knex.raw('SELECT 1 FROM pg_timezone_names WHERE name = ?', [config.reportTz]);
  if (known.rows.length === 0) {
    throw new ConfigError('REPORT_TZ', `REPORT_TZ "${config.reportTz}" is not a time zone this Postgres knows (see pg_timezone_names)`);
  }
  if (!(config.serviceLevelSeconds > 0)) {
    throw new ConfigError('SERVICE_LEVEL_SECONDS', `SERVICE_LEVEL_SECONDS must be a positive number, got ${config.serviceLevelSeconds}`);
  }
  const shortAbandonSeconds = config.shortAbandonSeconds ?? DEFAULT_SHORT_ABANDON_SECONDS;
  if (!(shortAbandonSeconds >= 0) || !Number.isFinite(shortAbandonSeconds)) {
    throw new ConfigError('SHORT_ABANDON_SECONDS', `SHORT_ABANDON_SECONDS must be a number of seconds, 0 or more, got ${shortAbandonSeconds}`);
  }
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `SELECT report_tz, service_level_seconds = ?::numeric AND short_abandon_seconds = ?::numeric AS same_thresholds
         FROM etl.settings WHERE tenant = etl.tenant() FOR UPDATE`,
      [config.serviceLevelSeconds, shortAbandonSeconds],
    );
    const changed = !(rows.length === 1 && rows[0].report_tz === config.reportTz && rows[0].same_thresholds);
    if (changed) {
      await trx.raw(
        `INSERT INTO etl.settings (report_tz, service_level_seconds, short_abandon_seconds, updated_at)
         VALUES (?, ?, ?, now())
         ON CONFLICT (tenant) DO UPDATE SET report_tz = EXCLUDED.report_tz,
           service_level_seconds = EXCLUDED.service_level_seconds,
           short_abandon_seconds = EXCLUDED.short_abandon_seconds, updated_at = now()`,
        [config.reportTz, config.serviceLevelSeconds, shortAbandonSeconds],
      );
      await rebuildAllReportingSummaries(trx);
    }
    for (const r of await tenantReaderRoles(trx)) await syncReaderTimeZone(trx, r.role, { ifNotPermitted: 'report', tenant: r.tenant });
    if (!config.reportingRole || config.tenantRegistered) return { changed };
    return { changed, readerTimeZone: await syncReaderTimeZone(trx, config.reportingRole) };
  });
}

import { describe, expect, it } from '@jest/globals';
import { defaultReaderRole, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { parseSettingDuration } from '../../src/util/setting-duration.js';

describe('configuration (README "Configuration")', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: undefined,
      mluviiBaseUrl: 'https://app.mluvii.com',
      mluviiTokenUrl: 'https://app.mluvii.com/login/connect/token',
      mluviiRps: 5,
      mluviiConcurrency: 4,
      mluviiPageSize: 200,
      etlWindowMs: 86_400_000,
      etlSettleMs: 30 * 60_000,
      etlIncompleteMaxAgeMs: 7 * 86_400_000,
      reportTz: 'Europe/Prague',
      serviceLevelSeconds: 20,
      shortAbandonSeconds: 5,
      logLevel: 'info',
    });
  });

  it('takes SHORT_ABANDON_SECONDS of 0 (off) or more, fractions too (K-SHORT-ABANDON)', () => {
    expect(loadConfig({ SHORT_ABANDON_SECONDS: '0' }).shortAbandonSeconds).toBe(0);
    expect(loadConfig({ SHORT_ABANDON_SECONDS: '7.5' }).shortAbandonSeconds).toBe(7.5);
  });

  it('MLUVII_RPS=auto (any case) adapts up to MLUVII_RPS_MAX, default 50; a fixed MLUVII_RPS stays a number', () => {
    expect(loadConfig({ MLUVII_RPS: 'auto' })).toMatchObject({ mluviiRps: 'auto', mluviiRpsMax: 50 });
    expect(loadConfig({ MLUVII_RPS: ' AUTO ', MLUVII_RPS_MAX: '120' })).toMatchObject({ mluviiRps: 'auto', mluviiRpsMax: 120 });
    expect(loadConfig({ MLUVII_RPS: '7.5' }).mluviiRps).toBe(7.5);
  });

  it('derives the token URL from the base URL', () => {
    expect(loadConfig({ MLUVII_BASE_URL: 'http://127.0.0.1:9999/' }).mluviiTokenUrl).toBe('http://127.0.0.1:9999/login/connect/token');
  });

  it.each([
    ['MLUVII_RPS', 'fast', 'MLUVII_RPS must be a positive number, got "fast"'],
    ['MLUVII_RPS', '0', 'MLUVII_RPS must be a positive number'],
    ['MLUVII_RPS', 'automatic', 'or "auto" to find the server\'s limit'],
    ['MLUVII_RPS_MAX', 'auto', 'MLUVII_RPS_MAX must be a positive number, got "auto"'],
    ['MLUVII_RPS_MAX', '-3', 'MLUVII_RPS_MAX must be a positive number'],
    ['MLUVII_CONCURRENCY', '2.5', 'MLUVII_CONCURRENCY must be a positive whole number'],
    ['MLUVII_PAGE_SIZE', '-1', 'MLUVII_PAGE_SIZE must be a positive whole number'],
    ['MLUVII_MAX_SESSIONS_PER_HOUR', '0', 'MLUVII_MAX_SESSIONS_PER_HOUR must be a positive whole number, got "0"'],
    ['ETL_WINDOW', 'daily', 'ETL_WINDOW must be a duration'],
    ['ETL_SETTLE', '30', 'ETL_SETTLE must be a duration'],
    ['ETL_INCOMPLETE_MAX_AGE', '0d', 'ETL_INCOMPLETE_MAX_AGE must be a duration'],
    ['ETL_START', 'yesterday', 'ETL_START must be a date'],
    ['REPORT_TZ', 'Mars/Olympus', 'REPORT_TZ must be an IANA time zone'],
    ['SERVICE_LEVEL_SECONDS', 'x', 'SERVICE_LEVEL_SECONDS must be a positive number'],
    ['SHORT_ABANDON_SECONDS', '-1', 'SHORT_ABANDON_SECONDS must be a number of seconds, 0 or more'],
    ['SHORT_ABANDON_SECONDS', 'five', 'SHORT_ABANDON_SECONDS must be a number of seconds, 0 or more'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of'],
    ['MLUVII_BASE_URL', 'not a url', 'MLUVII_BASE_URL must be a URL'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must be a postgres:// connection string'],
  ])('rejects a malformed %s (%s) naming the variable', (name, value, message) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(message);
  });

  it('never echoes the password of a malformed DATABASE_URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2secret@h/db' })).toThrow(/\*\*\*/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2secret@h/db' })).not.toThrow(/hunter2secret/);
  });

  it.each([
    [undefined, 'mluvii_reader'],
    ['postgres://etl:pw@db:5432/mluvii', 'mluvii_reader'],
    ['postgres://etl:pw@db:5432/Warehouse-2', 'warehouse_2_reader'],
    ['postgres://etl:pw@db:5432/2026wh', 'db_2026wh_reader'],
    ['postgres://etl:pw@db:5432', 'etl_reader'], // node-postgres: no database named, the user's name
  ])('REPORTING_ROLE defaults to <database>_reader, one per warehouse on a shared server: %s → %s', (url, role) => {
    const c = loadConfig(url ? { DATABASE_URL: url } : {});
    expect({ role: c.reportingRole, derived: c.reportingRoleFromDatabase }).toEqual({ role, derived: true });
    expect(loadConfig({ DATABASE_URL: url ?? '', REPORTING_ROLE: 'bi_reader' })).toMatchObject({ reportingRole: 'bi_reader', reportingRoleFromDatabase: false });
    expect(defaultReaderRole('x'.repeat(80))).toHaveLength(63);
  });

  it.each([
    ['30m', 1_800_000],
    ['1d', 86_400_000],
    ['7d', 604_800_000],
    ['12h', 43_200_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['500ms', 500],
  ])('parses the duration setting %s', (raw, ms) => {
    expect(parseSettingDuration(raw)).toBe(ms);
  });

  it.each(['', 'x', '1y', '-1d', '0m', 'd1'])('refuses the duration setting "%s"', (raw) => {
    expect(parseSettingDuration(raw)).toBeUndefined();
  });
});

import { resolve as resolvePath } from 'node:path';
import { ConfigError } from './errors.js';
import { UsageError } from './errors.js';
import { parseTimeArgument } from './pipeline/windows.js';
import { DAY_MS } from './util/dates.js';
import { parseSettingDuration } from './util/setting-duration.js';
import { DEFAULT_MAX_RPS } from './mluvii/adaptive-rate.js';
import { connectionDatabase, connectionPassword, connectionStringProblem, redactConnectionString } from './db/connection-string.js';
import { isTenantName, TENANT_NAME_RULE } from './tenants/tenant-name.js';

/** Every setting of README "Configuration", validated. */
export interface Config {
  databaseUrl: string | undefined;
  mluviiBaseUrl: string;
  mluviiTokenUrl: string;
  /** MLUVII_TENANT: the name of the environment's tenant (src/tenants/tenant.ts); undefined: `default`. A registered tenant's settings carry its name here. */
  mluviiTenant: string | undefined;
  /** Set on the settings of a tenant registered with `tenants add` (src/tenants/registered-tenants.ts); unset: the environment's tenant. */
  tenantRegistered?: true;
  mluviiClientId: string | undefined;
  mluviiClientSecret: string | undefined;
  /** Request starts per second (MLUVII_RPS), or 'auto': found from the server's answers. */
  mluviiRps: number | 'auto';
  /** With MLUVII_RPS=auto, never more than this (MLUVII_RPS_MAX). */
  mluviiRpsMax: number;
  mluviiConcurrency: number;
  mluviiPageSize: number;
  /** Per request attempt (API and token endpoint), MLUVII_REQUEST_TIMEOUT. */
  mluviiRequestTimeoutMs: number;
  /** A Retry-After longer than this fails at once instead of stalling the run (MLUVII_RETRY_AFTER_MAX). */
  mluviiRetryAfterMaxMs: number;
  /** List items larger than this go to etl.rejects (MLUVII_MAX_ITEM_BYTES). */
  mluviiMaxItemBytes: number;
  /** A window that needs more list pages than this fails (MLUVII_MAX_PAGES). */
  mluviiMaxPages: number;
  /** A window listing more sessions than this × its length in hours fails, before any detail is fetched (MLUVII_MAX_SESSIONS_PER_HOUR). */
  mluviiMaxSessionsPerHour: number;
  /** Where `run` starts when nothing was loaded yet (a date is its midnight in REPORT_TZ); undefined = the start of the day 30 days ago. */
  etlStart: Date | undefined;
  etlWindowMs: number;
  etlSettleMs: number;
  etlIncompleteMaxAgeMs: number;
  reportTz: string;
  serviceLevelSeconds: number;
  /** Abandons after less than this many seconds in queue are short abandons (K-SHORT-ABANDON); 0 = off. */
  shortAbandonSeconds: number;
  logLevel: string;
  /** The role BI tools log in with; it can read `reporting` and nothing else. */
  reportingRole: string;
  /** REPORTING_ROLE is unset: reportingRole is `<database>_reader` for DATABASE_URL's database (readerRoleFor). */
  reportingRoleFromDatabase: boolean;
  /** Its password; when unset the role is created NOLOGIN (grant it to a login role yourself). */
  reportingRolePassword: string | undefined;
  /** Where recordings and shared files are downloaded (absolute); undefined = metadata only, no downloads. */
  filesDir: string | undefined;
  /** Stored files of sessions older than this are deleted (state `deleted`); undefined = kept. */
  filesRetentionMs: number | undefined;
  /** RAW_RETENTION: stored payloads of sessions older than this lose their personal data (docs/privacy.md); undefined = kept. */
  rawRetentionMs: number | undefined;
  /** REJECTS_RETENTION: rejects older than this are deleted. */
  rejectsRetentionMs: number;
  /** The total deadline of a download of up to 100 MiB, longer for larger files (MLUVII_FILE_TIMEOUT). */
  fileTimeoutMs: number;
  /** A file larger than this is not downloaded (state `too_large`), MLUVII_MAX_FILE_BYTES. */
  maxFileBytes: number;
  /** Downloads stop while this many bytes are still free on the folder's disk (MLUVII_FILES_MIN_FREE). */
  filesMinFreeBytes: number;
  /** The nightly run's local time in REPORT_TZ, "HH:MM" (ETL_SCHEDULE_AT): the image's scheduler and the workers' schedule. */
  etlScheduleAt: string;
  /** Jobs on the workers: a job whose worker stopped beating this long is taken as dead and retried (ETL_JOB_HEARTBEAT). */
  etlJobHeartbeatMs: number;
  /** Jobs on the workers: the longest one may run before it is failed and retried (ETL_JOB_TIMEOUT). */
  etlJobTimeoutMs: number;
  /** Jobs of each kind a `worker` runs at once (ETL_WORKER_CONCURRENCY; `worker --concurrency` wins). */
  etlWorkerConcurrency: number;
  /**
   * Jobs of one tenant of each kind that all workers together run at once (ETL_TENANT_JOBS);
   * undefined: no bound. With it, the workers serve several tenants side by side instead of the
   * one whose jobs were queued first: each tenant's requests are bounded by its own rate anyway.
   */
  etlTenantJobs: number | undefined;
  /** On SIGTERM a worker finishes its jobs within this, else hands them back to the queue (ETL_WORKER_GRACE). */
  etlWorkerGraceMs: number;
  /** The secret path segment of serve's webhook URL (MLUVII_WEBHOOK_SECRET); undefined: serve and `webhooks register` refuse to start. */
  webhookSecret: string | undefined;
  /** How long an accepted webhook waits in the queue for more events of its session before it is loaded (MLUVII_WEBHOOK_DEBOUNCE). */
  webhookDebounceMs: number;
  /** The port `serve` listens on when --port is not given (PORT); undefined: 8080. */
  port: number | undefined;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function positiveNumber(env: Env, name: string, dflt: number, integer = false): number {
  const raw = value(env, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(name, `${name} must be a positive ${integer ? 'whole number' : 'number'}, got "${raw}"`);
  }
  return n;
}

function nonNegativeNumber(env: Env, name: string, dflt: number): number {
  const raw = value(env, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(name, `${name} must be a number of seconds, 0 or more (0 turns it off), got "${raw}"`);
  }
  return n;
}

/** MLUVII_RPS: a positive number, or `auto` (the rate adapts to the server's 429s, up to MLUVII_RPS_MAX). */
function rps(env: Env): number | 'auto' {
  const raw = value(env, 'MLUVII_RPS');
  if (raw !== undefined && raw.toLowerCase() === 'auto') return 'auto';
  if (raw === undefined) return 5;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError('MLUVII_RPS', `MLUVII_RPS must be a positive number, got "${raw}" (requests per second, or "auto" to find the server's limit by itself)`);
  }
  return n;
}

function url(env: Env, name: string, dflt: string | undefined): string | undefined {
  const raw = value(env, name) ?? dflt;
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `${name} must be a URL, got "${redactUrl(raw)}"`);
  }
  return parsed.toString().replace(/\/$/, '');
}

const BYTE_UNITS: Record<string, number> = { '': 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A number of bytes: `4294967296`, `4GiB`, `500MB` (0 only when `allowZero`). */
function byteSize(env: Env, name: string, dflt: number, allowZero = false): number {
  const raw = value(env, name);
  if (raw === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b)?$/i.exec(raw);
  const n = m ? Math.round(Number(m[1]) * BYTE_UNITS[(m[2] ?? '').toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new ConfigError(name, `${name} must be a number of bytes${allowZero ? ', 0 or more' : ''}, such as 4294967296, 4GiB or 500MB, got "${raw}"`);
  }
  return n;
}

function duration(env: Env, name: string, dflt: string): number {
  const raw = value(env, name) ?? dflt;
  const ms = parseSettingDuration(raw);
  if (ms === undefined) {
    throw new ConfigError(name, `${name} must be a duration such as 30m, 12h, 1d or 7d, got "${raw}"`);
  }
  return ms;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The password of a connection string (decoded), to be scrubbed from every message; undefined without one. */
export function databasePassword(raw: string | undefined): string | undefined {
  return raw ? connectionPassword(raw) : undefined;
}

/** Hides the whole password of a connection string, however it is written, for messages and logs. */
export function redactUrl(raw: string): string {
  return redactConnectionString(raw);
}

/** DATABASE_URL works but its password should be percent-encoded: the warning to log; else undefined. */
export function databaseUrlWarning(raw: string | undefined): string | undefined {
  const problem = raw ? connectionStringProblem(raw) : undefined;
  return problem?.kind === 'unencoded' ? problem.message : undefined;
}

/**
 * The reader role's name when REPORTING_ROLE is unset: `<database>_reader` (the database `mluvii`
 * gets `mluvii_reader`). Roles are server-wide and mluvii-etl manages only the reader of its own
 * database, so two warehouses on one server must not share one default name.
 */
export function defaultReaderRole(database: string | undefined): string {
  if (!database) return 'mluvii_reader';
  let base = database.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z_]/.test(base)) base = `db_${base}`;
  return `${base.slice(0, 56)}_reader`; // 63 characters at most, like every Postgres name
}

/** The reader role of the database at `databaseUrl` (the demo's database may not be DATABASE_URL's). */
export function readerRoleFor(config: Config, databaseUrl: string): string {
  return config.reportingRoleFromDatabase ? defaultReaderRole(connectionDatabase(databaseUrl)) : config.reportingRole;
}

/** MLUVII_TENANT: a name that can key rows and name roles (lower case letters, digits, _ and -, up to 40). */
function tenantName(env: Env): string | undefined {
  const name = value(env, 'MLUVII_TENANT');
  if (name !== undefined && !isTenantName(name)) {
    throw new ConfigError('MLUVII_TENANT', `MLUVII_TENANT must be ${TENANT_NAME_RULE}, got "${name}"`);
  }
  return name;
}

/** ETL_SCHEDULE_AT: a time of day HH:MM (24-hour clock). */
function scheduleAt(env: Env): string {
  const raw = value(env, 'ETL_SCHEDULE_AT') ?? '02:15';
  if (!/^([01]?\d|2[0-3]):[0-5]\d$/.test(raw)) throw new ConfigError('ETL_SCHEDULE_AT', `ETL_SCHEDULE_AT must be a time of day HH:MM (24-hour clock), got "${raw}"`);
  return raw;
}

/** A duration setting within [min, max] (pg-boss's own bounds on jobs). */
function boundedDuration(env: Env, name: string, dflt: string, min: { ms: number; text: string }, max: { ms: number; text: string }): number {
  const ms = duration(env, name, dflt);
  if (ms < min.ms || ms > max.ms) throw new ConfigError(name, `${name} must be between ${min.text} and ${max.text}, got "${value(env, name)}"`);
  return ms;
}

/** MLUVII_WEBHOOK_SECRET: a path segment mluvii calls, the only thing that guards it (mluvii does not sign its calls). */
function webhookSecret(env: Env): string | undefined {
  const secret = value(env, 'MLUVII_WEBHOOK_SECRET');
  if (secret !== undefined && !/^[A-Za-z0-9_-]{24,200}$/.test(secret)) {
    throw new ConfigError('MLUVII_WEBHOOK_SECRET', `MLUVII_WEBHOOK_SECRET must be 24 to 200 letters, digits, _ or - (it is a part of the URL mluvii calls; e.g. openssl rand -hex 24), got one of ${secret.length} characters that is not`);
  }
  return secret;
}

/** MLUVII_WEBHOOK_DEBOUNCE: from 1 s to 10 min (a hint waits at most this long before its session is loaded). */
function webhookDebounce(env: Env): number {
  const ms = duration(env, 'MLUVII_WEBHOOK_DEBOUNCE', '30s');
  if (ms < 1000 || ms > 600_000) throw new ConfigError('MLUVII_WEBHOOK_DEBOUNCE', `MLUVII_WEBHOOK_DEBOUNCE must be from 1s to 10m, got "${value(env, 'MLUVII_WEBHOOK_DEBOUNCE')}"`);
  return ms;
}

/** PORT: where `serve` listens unless --port says otherwise. */
function port(env: Env): number | undefined {
  const raw = value(env, 'PORT');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new ConfigError('PORT', `PORT must be a whole number from 1 to 65535, got "${raw}"`);
  return n;
}

/** A retention of at least a day: `400d`, `12w`; undefined when unset and there is no default. */
function retention(env: Env, name: string, dflt: string | undefined, unset: string): number | undefined {
  const raw = value(env, name) ?? dflt;
  if (raw === undefined) return undefined;
  const ms = parseSettingDuration(raw);
  if (ms === undefined || ms < DAY_MS) throw new ConfigError(name, `${name} must be a duration of at least a day such as 90d or 400d (${unset}), got "${raw}"`);
  return ms;
}

/** RAW_RETENTION and REJECTS_RETENTION (docs/privacy.md). */
function privacyRetention(env: Env): Pick<Config, 'rawRetentionMs' | 'rejectsRetentionMs'> {
  return {
    rawRetentionMs: retention(env, 'RAW_RETENTION', undefined, 'unset keeps the payloads as received'),
    rejectsRetentionMs: retention(env, 'REJECTS_RETENTION', '90d', 'default 90d') as number,
  };
}

/** Reads and validates every setting; throws ConfigError naming the first bad one. */
export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = value(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', `DATABASE_URL must be a postgres:// connection string, got "${redactUrl(databaseUrl)}"`);
  }
  const urlProblem = databaseUrl === undefined ? undefined : connectionStringProblem(databaseUrl);
  if (urlProblem?.kind === 'unreadable') throw new ConfigError('DATABASE_URL', urlProblem.message);
  const mluviiBaseUrl = url(env, 'MLUVII_BASE_URL', 'https://app.mluvii.com') as string;
  const mluviiTokenUrl = url(env, 'MLUVII_TOKEN_URL', `${mluviiBaseUrl}/login/connect/token`) as string;

  const reportTz = value(env, 'REPORT_TZ') ?? 'Europe/Prague';
  if (!isValidTimeZone(reportTz)) {
    throw new ConfigError('REPORT_TZ', `REPORT_TZ must be an IANA time zone such as Europe/Prague, got "${reportTz}"`);
  }
  // Read exactly as `run` uses it (a date is its midnight in REPORT_TZ), so a value run would refuse never loads.
  const etlStartRaw = value(env, 'ETL_START');
  let etlStart: Date | undefined;
  if (etlStartRaw !== undefined) {
    try {
      etlStart = parseTimeArgument(etlStartRaw, 'ETL_START', reportTz);
    } catch (err) {
      if (err instanceof UsageError) throw new ConfigError('ETL_START', err.message);
      throw err;
    }
  }
  const logLevel = (value(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const reportingRoleSetting = value(env, 'REPORTING_ROLE');
  const reportingRole = reportingRoleSetting ?? defaultReaderRole(databaseUrl === undefined ? undefined : connectionDatabase(databaseUrl));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(reportingRole)) {
    throw new ConfigError('REPORTING_ROLE', `REPORTING_ROLE must be a lower-case SQL identifier (letters, digits, _), got "${reportingRole}"`);
  }
  const filesDirRaw = value(env, 'MLUVII_FILES_DIR');
  if (filesDirRaw !== undefined && filesDirRaw.includes('\u0000')) {
    throw new ConfigError('MLUVII_FILES_DIR', 'MLUVII_FILES_DIR must be a folder path');
  }
  const retentionRaw = value(env, 'FILES_RETENTION');
  let filesRetentionMs: number | undefined;
  if (retentionRaw !== undefined) {
    filesRetentionMs = parseSettingDuration(retentionRaw);
    if (filesRetentionMs === undefined || filesRetentionMs < DAY_MS) {
      throw new ConfigError('FILES_RETENTION', `FILES_RETENTION must be a duration of at least a day such as 90d or 365d (unset keeps files forever), got "${retentionRaw}"`);
    }
  }
  return {
    ...privacyRetention(env),
    databaseUrl,
    mluviiBaseUrl,
    mluviiTokenUrl,
    mluviiTenant: tenantName(env),
    mluviiClientId: value(env, 'MLUVII_CLIENT_ID'),
    mluviiClientSecret: value(env, 'MLUVII_CLIENT_SECRET'),
    mluviiRps: rps(env),
    mluviiRpsMax: positiveNumber(env, 'MLUVII_RPS_MAX', DEFAULT_MAX_RPS),
    mluviiConcurrency: positiveNumber(env, 'MLUVII_CONCURRENCY', 4, true),
    mluviiPageSize: positiveNumber(env, 'MLUVII_PAGE_SIZE', 200, true),
    mluviiRequestTimeoutMs: duration(env, 'MLUVII_REQUEST_TIMEOUT', '30s'),
    mluviiRetryAfterMaxMs: duration(env, 'MLUVII_RETRY_AFTER_MAX', '10m'),
    mluviiMaxItemBytes: positiveNumber(env, 'MLUVII_MAX_ITEM_BYTES', 20_000_000, true),
    mluviiMaxPages: positiveNumber(env, 'MLUVII_MAX_PAGES', 10_000, true),
    mluviiMaxSessionsPerHour: positiveNumber(env, 'MLUVII_MAX_SESSIONS_PER_HOUR', 10_000, true),
    etlStart,
    etlWindowMs: duration(env, 'ETL_WINDOW', '1d'),
    etlSettleMs: duration(env, 'ETL_SETTLE', '30m'),
    etlIncompleteMaxAgeMs: duration(env, 'ETL_INCOMPLETE_MAX_AGE', '7d'),
    reportTz,
    serviceLevelSeconds: positiveNumber(env, 'SERVICE_LEVEL_SECONDS', 20),
    shortAbandonSeconds: nonNegativeNumber(env, 'SHORT_ABANDON_SECONDS', 5),
    logLevel,
    reportingRole,
    reportingRoleFromDatabase: reportingRoleSetting === undefined,
    reportingRolePassword: value(env, 'REPORTING_ROLE_PASSWORD'),
    filesDir: filesDirRaw === undefined ? undefined : resolvePath(filesDirRaw),
    filesRetentionMs,
    fileTimeoutMs: duration(env, 'MLUVII_FILE_TIMEOUT', '10m'),
    maxFileBytes: byteSize(env, 'MLUVII_MAX_FILE_BYTES', 4 * 2 ** 30),
    filesMinFreeBytes: byteSize(env, 'MLUVII_FILES_MIN_FREE', 2 ** 30, true),
    etlScheduleAt: scheduleAt(env),
    etlJobHeartbeatMs: boundedDuration(env, 'ETL_JOB_HEARTBEAT', '30s', { ms: 10_000, text: '10s' }, { ms: 3_600_000, text: '1h' }),
    etlJobTimeoutMs: boundedDuration(env, 'ETL_JOB_TIMEOUT', '6h', { ms: 60_000, text: '1m' }, { ms: 86_400_000, text: '24h' }),
    etlWorkerConcurrency: positiveNumber(env, 'ETL_WORKER_CONCURRENCY', 2, true),
    etlTenantJobs: value(env, 'ETL_TENANT_JOBS') === undefined ? undefined : positiveNumber(env, 'ETL_TENANT_JOBS', 1, true),
    etlWorkerGraceMs: boundedDuration(env, 'ETL_WORKER_GRACE', '25s', { ms: 1_000, text: '1s' }, { ms: 3_600_000, text: '1h' }),
    webhookSecret: webhookSecret(env),
    webhookDebounceMs: webhookDebounce(env),
    port: port(env),
  };
}

/** Commands that talk to the API need credentials; the others do not ask for them. */
export function requireApiCredentials(config: Config): { clientId: string; clientSecret: string } {
  if (!config.mluviiClientId) throw new ConfigError('MLUVII_CLIENT_ID', 'MLUVII_CLIENT_ID is required (the API user name from mluvii administration)');
  if (!config.mluviiClientSecret) throw new ConfigError('MLUVII_CLIENT_SECRET', 'MLUVII_CLIENT_SECRET is required (the API password from mluvii administration)');
  return { clientId: config.mluviiClientId, clientSecret: config.mluviiClientSecret };
}

/** `serve` and `webhooks register` need the webhook secret; the others do not ask for it. */
export function requireWebhookSecret(config: Config): string {
  if (!config.webhookSecret) throw new ConfigError('MLUVII_WEBHOOK_SECRET', 'MLUVII_WEBHOOK_SECRET is required: the secret part of the webhook URL mluvii calls (24 or more letters, digits, _ or -; e.g. openssl rand -hex 24)');
  return config.webhookSecret;
}

export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'DATABASE_URL is required (postgres://user:password@host:5432/db)');
  return config.databaseUrl;
}

import { hasTenantRegistry, listTenantRows, tenantRow, type StoredTenantSettings, type TenantRow } from '../admin/tenant-registry.js';
import { loadConfig, requireDatabaseUrl, type Config } from '../config.js';
import { createKnex, type Knex } from '../db/knex.js';
import { withEnvFile } from '../env-file.js';
import { ConfigError, UsageError } from '../errors.js';
import { registerSecrets } from '../log.js';
import { parseSecretRef, resolveSecret } from './secret-ref.js';
import { envTenant, type Tenant } from './tenant.js';
import { isTenantName, TENANT_NAME_RULE } from './tenant-name.js';

/**
 * The tenants a process can work for: the environment's (its settings are the environment's) and
 * those registered with `tenants add` (settings from etl.tenants over the process's own: a
 * registered tenant has its own API, credentials, MLUVII_RPS, REPORT_TZ, thresholds, files folder
 * and retention, and schedule; page size, concurrency, windows and the database are the process's).
 * The API secret of a registered tenant is read when it is loaded, from where its reference says.
 */

/** Each stored setting, the variable whose rules it follows (loadConfig checks it), and the flag of `tenants add` that sets it. */
const SETTINGS: ReadonlyArray<readonly [keyof StoredTenantSettings, string, string]> = [
  ['base_url', 'MLUVII_BASE_URL', '--base-url'],
  ['token_url', 'MLUVII_TOKEN_URL', '--token-url'],
  ['client_id', 'MLUVII_CLIENT_ID', '--client-id'],
  ['rps', 'MLUVII_RPS', '--rps'],
  ['report_tz', 'REPORT_TZ', '--report-tz'],
  ['service_level_seconds', 'SERVICE_LEVEL_SECONDS', '--service-level-seconds'],
  ['short_abandon_seconds', 'SHORT_ABANDON_SECONDS', '--short-abandon-seconds'],
  ['files_dir', 'MLUVII_FILES_DIR', '--files-dir'],
  ['files_retention', 'FILES_RETENTION', '--files-retention'],
];

const SCHEDULE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The stored settings read by the same rules as the environment's; a bad one is named by `describe` (a flag, or the stored setting). */
function parseSettings(s: Partial<StoredTenantSettings>, describe: (flag: string, variable: string) => string): Config {
  const env: Record<string, string> = { LOG_LEVEL: 'silent' };
  for (const [key, variable] of SETTINGS) {
    const v = s[key];
    if (v !== undefined) env[variable] = v;
  }
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const entry = SETTINGS.find(([, variable]) => variable === err.variable);
    throw new UsageError(`${entry ? describe(entry[2], entry[1]) : err.variable}: ${err.message}`);
  }
}

/** What `tenants add` was given, checked by the rules of the environment's settings, as it is stored. */
export function settingsToStore(flags: Record<string, unknown>): StoredTenantSettings {
  const text = (name: string): string | undefined => (flags[name] === undefined ? undefined : String(flags[name]).trim());
  const baseUrl = text('baseUrl');
  const clientId = text('clientId');
  const secretFrom = text('secretFrom');
  if (!baseUrl) throw new UsageError('tenants add needs --base-url (the tenant\'s mluvii address, e.g. https://app.mluvii.com)');
  if (!clientId) throw new UsageError('tenants add needs --client-id (the API user name from the tenant\'s mluvii administration)');
  if (!secretFrom) throw new UsageError('tenants add needs --secret-from env:VARIABLE or file:PATH (where the API secret is read when the tenant is loaded)');
  const stored: StoredTenantSettings = { base_url: baseUrl, client_id: clientId, secret_from: '' };
  const ref = parseSecretRef(secretFrom);
  stored.secret_from = ref.kind === 'env' ? `env:${ref.variable}` : `file:${ref.path}`;
  const optional: Array<[keyof StoredTenantSettings, string]> = [
    ['token_url', 'tokenUrl'], ['rps', 'rps'], ['report_tz', 'reportTz'], ['service_level_seconds', 'serviceLevelSeconds'],
    ['short_abandon_seconds', 'shortAbandonSeconds'], ['files_dir', 'filesDir'], ['files_retention', 'filesRetention'], ['schedule', 'schedule'],
  ];
  for (const [key, flag] of optional) {
    const v = text(flag);
    if (v !== undefined && v !== '') stored[key] = v;
  }
  if (stored.schedule !== undefined && !SCHEDULE.test(stored.schedule)) {
    throw new UsageError(`--schedule must be a time of day HH:MM (24-hour clock, in the tenant's REPORT_TZ), got "${stored.schedule}"`);
  }
  const parsed = parseSettings(stored, (flag, variable) => `${flag} (the tenant's ${variable})`);
  // Stored as read, so a later run from another folder finds the same files folder.
  if (parsed.filesDir !== undefined) stored.files_dir = parsed.filesDir;
  stored.base_url = parsed.mluviiBaseUrl;
  return stored;
}

/** A tenant name from the command line, checked. */
export function tenantNameArgument(raw: unknown, what = 'the tenant name'): string {
  const name = String(raw ?? '').trim();
  if (!isTenantName(name)) throw new UsageError(`${what} must be ${TENANT_NAME_RULE}, got "${name}"`);
  return name;
}

export interface LoadOptions {
  /** Read each registered tenant's API secret now (commands that call the API); without it, its settings only. */
  secrets: boolean;
  /** Where `env:` secrets are read; default: this process's environment over its settings file. */
  env?: NodeJS.ProcessEnv;
}

/** A registered tenant as a Tenant: its stored settings over the process's. */
export function registeredTenant(base: Config, row: TenantRow, opts: LoadOptions): Tenant {
  const s = row.settings;
  const parsed = parseSettings(s, (_flag, variable) => `tenant ${row.name}'s stored ${variable}`);
  let secret: string | undefined;
  if (opts.secrets && s.secret_from) {
    secret = resolveSecret(parseSecretRef(s.secret_from, `tenant ${row.name}'s secret reference`), row.name, opts.env ?? withEnvFile(process.env));
    registerSecrets(secret);
  }
  const config: Config = {
    ...base,
    mluviiTenant: row.name,
    tenantRegistered: true,
    mluviiBaseUrl: parsed.mluviiBaseUrl,
    mluviiTokenUrl: parsed.mluviiTokenUrl,
    mluviiClientId: parsed.mluviiClientId,
    mluviiClientSecret: secret,
    mluviiRps: parsed.mluviiRps,
    reportTz: parsed.reportTz,
    serviceLevelSeconds: parsed.serviceLevelSeconds,
    shortAbandonSeconds: parsed.shortAbandonSeconds,
    filesDir: parsed.filesDir,
    filesRetentionMs: parsed.filesRetentionMs,
  };
  return { name: row.name, config, registered: true, enabled: row.enabled, ...(s.schedule ? { schedule: s.schedule } : {}) };
}

/**
 * Every tenant of the warehouse, by name: the environment's (always, even before its first
 * command registered it) and the registered ones, disabled ones included (see `enabled`).
 */
export async function loadTenants(base: Config, knex: Knex, opts: LoadOptions): Promise<Tenant[]> {
  const env = envTenant(base);
  if (!(await hasTenantRegistry(knex))) return [env];
  const rows = await listTenantRows(knex);
  const out: Tenant[] = [];
  for (const row of rows) {
    if (row.source === 'registry') out.push(registeredTenant(base, row, opts));
    else if (row.name === env.name) out.push({ ...env, enabled: row.enabled });
    // Another process's environment tenant (another MLUVII_TENANT): its settings are that process's.
    else out.push({ name: row.name, config: { ...base, mluviiTenant: row.name }, enabled: row.enabled });
  }
  if (!rows.some((r) => r.name === env.name)) out.push(env);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One tenant by name: the environment's, or a registered one; a UsageError listing the known ones otherwise. */
export async function tenantByName(base: Config, knex: Knex, name: string, opts: LoadOptions): Promise<Tenant> {
  const env = envTenant(base);
  const row = (await hasTenantRegistry(knex)) ? await tenantRow(knex, name) : undefined;
  if (row?.source === 'registry') return registeredTenant(base, row, opts);
  if (name === env.name) return row ? { ...env, enabled: row.enabled } : env;
  if (row) return { name, config: { ...base, mluviiTenant: name }, enabled: row.enabled };
  const known = (await loadTenants(base, knex, { secrets: false })).map((t) => t.name);
  throw new UsageError(`--tenant ${name}: no such tenant in this warehouse (known: ${known.join(', ')}); register it with \`tenants add ${name} --base-url … --client-id … --secret-from env:VAR\``);
}

/**
 * The tenant a command works for: `--tenant <name>` (read from the warehouse), else the
 * environment's, which needs no database at all (a single-tenant command works as it always did).
 */
export async function resolveTenant(base: Config, name: unknown, opts: LoadOptions): Promise<Tenant> {
  if (name === undefined) return envTenant(base);
  const wanted = tenantNameArgument(name, '--tenant');
  if (wanted === envTenant(base).name && !base.databaseUrl) return envTenant(base);
  const knex = createKnex(requireDatabaseUrl(base), { max: 1 });
  try {
    return await tenantByName(base, knex, wanted, opts);
  } finally {
    await knex.destroy();
  }
}

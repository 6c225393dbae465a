import { readerLogsIn } from '../admin/reader-login.js';
import { ensureReaderRole, tenantReaderRole } from '../admin/reader-role.js';
import { syncReportingSettings } from '../admin/reporting-settings.js';
import { allReaderRoles } from '../admin/tenant-readers.js';
import { ensureTenantRow, listTenantRows, saveRegisteredTenant, setTenantEnabled, tenantRow } from '../admin/tenant-registry.js';
import { requireDatabaseUrl, type Config } from '../config.js';
import { connectionDatabase } from '../db/connection-string.js';
import type { Knex } from '../db/knex.js';
import { migrateLatest } from '../db/migrations.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { withEnvFile } from '../env-file.js';
import { UsageError } from '../errors.js';
import { registerSecrets } from '../log.js';
import { table } from '../util/text-table.js';
import { registeredTenant, settingsToStore, tenantNameArgument } from './registered-tenants.js';
import { parseSecretRef, resolveSecret } from './secret-ref.js';
import { envTenant } from './tenant.js';

/**
 * What `tenants add | list | disable | enable | grant-reader` do, on the warehouse of DATABASE_URL.
 * The warehouse is migrated first as the environment's tenant (so a warehouse of an older version
 * keeps its rows under that tenant, whatever tenant is being added).
 */

type Print = (line: string) => void;

/** Runs `work` on the migrated warehouse, through a connection of the environment's tenant. */
async function onWarehouse<T>(config: Config, work: (knex: Knex) => Promise<T>): Promise<T> {
  const env = envTenant(config);
  const knex = tenantKnex(requireDatabaseUrl(config), env, { max: 1 });
  try {
    await migrateLatest(knex);
    return await work(knex);
  } finally {
    await knex.destroy();
  }
}

/** `tenants add <name> --base-url … --client-id … --secret-from env:VAR|file:PATH [...]`: registers a tenant, or replaces its settings. */
export async function addTenant(config: Config, rawName: unknown, flags: Record<string, unknown>, print: Print): Promise<number> {
  const name = tenantNameArgument(rawName);
  if (name === envTenant(config).name) {
    throw new UsageError(`${name} is the environment's tenant (MLUVII_TENANT, else default): its settings come from the environment; register other tenants under names of their own`);
  }
  const stored = settingsToStore(flags);
  const outcome = await onWarehouse(config, async (knex) => {
    // A files folder is a tenant's own: two tenants' sessions share ids, and a pass cleans up its folder.
    if (stored.files_dir !== undefined) {
      const others = (await listTenantRows(knex)).filter((t) => t.name !== name && t.settings.files_dir === stored.files_dir).map((t) => t.name);
      if (config.filesDir === stored.files_dir) others.push(envTenant(config).name);
      if (others.length) throw new UsageError(`--files-dir ${stored.files_dir} is the files folder of tenant ${others.join(', ')}: give each tenant a folder of its own`);
    }
    return { saved: await saveRegisteredTenant(knex, name, stored), row: await tenantRow(knex, name) };
  });
  if (!outcome.row) throw new Error(`tenant ${name} was not saved`);
  const tenant = registeredTenant(config, outcome.row, { secrets: false });
  // The tenant's row of etl.settings (its REPORT_TZ and thresholds), so report_settings shows it at once.
  const knex = tenantKnex(requireDatabaseUrl(config), name, { max: 1 });
  try {
    await syncReportingSettings(knex, tenant.config);
  } finally {
    await knex.destroy();
  }
  const c = tenant.config;
  print(
    `tenant ${name} ${outcome.saved}: API ${c.mluviiBaseUrl}, client id ${c.mluviiClientId}, secret read from ${stored.secret_from} when it runs (not stored), ` +
      `MLUVII_RPS=${c.mluviiRps}, REPORT_TZ=${c.reportTz}, SERVICE_LEVEL_SECONDS=${c.serviceLevelSeconds}, SHORT_ABANDON_SECONDS=${c.shortAbandonSeconds}` +
      `${c.filesDir ? `, files in ${c.filesDir}` : ''}${stored.schedule ? `, nightly at ${stored.schedule}` : ''}`,
  );
  try {
    registerSecrets(resolveSecret(parseSecretRef(stored.secret_from), name, withEnvFile(process.env)));
  } catch (err) {
    print(`note: ${(err as Error).message} — the process that loads the tenant needs it`);
  }
  print(`load it with: mluvii-etl backfill --tenant ${name} --from … --to …, then mluvii-etl run --tenant ${name} every night`);
  return 0;
}

/** `tenants list`: every tenant, its settings (the secret only as where it is read from) and its reader roles. */
export async function listTenants(config: Config, json: boolean, print: Print): Promise<number> {
  const { rows, readers } = await onWarehouse(config, async (knex) => ({ rows: await listTenantRows(knex), readers: await allReaderRoles(knex) }));
  const env = envTenant(config);
  const list = rows.map((r) => {
    const s = r.settings;
    const own = r.source === 'environment' && r.name === env.name ? config : undefined;
    return {
      name: r.name,
      source: r.source,
      enabled: r.enabled,
      baseUrl: s.base_url ?? own?.mluviiBaseUrl ?? null,
      clientId: s.client_id ?? own?.mluviiClientId ?? null,
      secretFrom: s.secret_from ?? (own ? 'MLUVII_CLIENT_SECRET' : null),
      rps: s.rps ?? (own ? String(own.mluviiRps) : null),
      reportTz: s.report_tz ?? own?.reportTz ?? null,
      schedule: s.schedule ?? null,
      filesDir: s.files_dir ?? own?.filesDir ?? null,
      readers: readers.filter((x) => x.tenant === r.name).map((x) => x.role),
    };
  });
  if (json) {
    print(JSON.stringify({ tenants: list, everyTenantReaders: readers.filter((x) => x.tenant === null).map((x) => x.role) }, null, 2));
    return 0;
  }
  print(
    table(
      ['tenant', 'settings from', 'enabled', 'API', 'client id', 'secret from', 'MLUVII_RPS', 'REPORT_TZ', 'schedule', 'readers'],
      list.map((t) => [t.name, t.source, t.enabled ? 'yes' : 'no', t.baseUrl, t.clientId, t.secretFrom, t.rps, t.reportTz, t.schedule, t.readers.join(', ') || null]),
    ),
  );
  const every = readers.filter((x) => x.tenant === null).map((x) => x.role);
  print(`readers of every tenant: ${every.length ? every.join(', ') : 'none'}`);
  return 0;
}

/** `tenants disable|enable <name>`: no command loads a disabled tenant and `status --check` leaves it out; its rows stay. */
export async function setEnabled(config: Config, rawName: unknown, enabled: boolean, print: Print): Promise<number> {
  const name = tenantNameArgument(rawName);
  const found = await onWarehouse(config, (knex) => setTenantEnabled(knex, name, enabled));
  if (!found) throw new UsageError(`no tenant ${name} in this warehouse (\`tenants list\` shows them)`);
  print(enabled ? `tenant ${name} enabled` : `tenant ${name} disabled: nothing loads it and \`status --check\` leaves it out; its rows stay (\`tenants enable ${name}\` turns it on again)`);
  return 0;
}

/**
 * `tenants grant-reader <name> [role] [--password-from env:VAR|file:PATH]`: a role that reads the
 * reporting views and sees that tenant's rows only (row-level security), created and marked as
 * this warehouse's reader of that tenant, or a plain role nobody else uses taken on; any other
 * role is refused (reader-role-standing.ts). Its TimeZone follows the tenant's REPORT_TZ.
 */
export async function grantReader(config: Config, rawName: unknown, rawRole: unknown, passwordFrom: unknown, print: Print): Promise<number> {
  const name = tenantNameArgument(rawName);
  const databaseUrl = requireDatabaseUrl(config);
  const row = await onWarehouse(config, (knex) => tenantRow(knex, name));
  if (!row) throw new UsageError(`no tenant ${name} in this warehouse (\`tenants list\` shows them)`);
  const role = rawRole === undefined ? tenantReaderRole(connectionDatabase(databaseUrl) ?? 'mluvii', name) : String(rawRole).trim();
  const password = passwordFrom === undefined ? undefined : resolveSecret(parseSecretRef(String(passwordFrom), '--password-from'), name, withEnvFile(process.env));
  registerSecrets(password);
  const knex = tenantKnex(databaseUrl, name, { max: 1 });
  try {
    const tenantConfig = row.source === 'registry' ? registeredTenant(config, row, { secrets: false }).config : name === envTenant(config).name ? config : undefined;
    if (tenantConfig) await syncReportingSettings(knex, tenantConfig);
    else await ensureTenantRow(knex, name, 'environment');
    const { shortfall } = await ensureReaderRole(knex, role, password, { tenant: name, logsInWith: (r, p) => readerLogsIn(databaseUrl, r, p) });
    if (shortfall) {
      print(`warning: the reader role ${role} of tenant ${name} is not fully set up: the ETL's user ${shortfall.why.join(', ')}. An admin must run: ${shortfall.statements.join('; ')}; — then run this command again`);
      return 1;
    }
  } finally {
    await knex.destroy();
  }
  print(`${role} reads the reporting views and sees tenant ${name}'s rows only${password ? ' (it logs in with the password given)' : ' (NOLOGIN: grant it to a login role, or give --password-from)'}`);
  return 0;
}

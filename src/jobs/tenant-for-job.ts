import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import { UsageError } from '../errors.js';
import { loadTenants, tenantByName } from '../tenants/registered-tenants.js';
import { tenantNameOf, type Tenant } from '../tenants/tenant.js';

/** A job names a tenant this worker cannot work for (unknown, disabled, its secret unreadable): retrying cannot help. */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
}

/**
 * THE way a worker turns the tenant a job names into its Tenant (its settings): every job goes
 * through here. The tenant is read from the warehouse's registry (etl.tenants, as `--tenant`
 * reads it: tenants/registered-tenants.ts), so a worker works for every tenant of the warehouse,
 * the environment's and the registered ones, each with its own settings and API secret
 * (`secrets`: read it now, for units that call the API). A job for a tenant that is unknown or
 * disabled, or whose secret cannot be read here, is refused with a message that says so, never
 * run with another tenant's settings.
 */
export async function tenantForJob(name: string, config: Config, registry: Knex, opts: { secrets: boolean }): Promise<Tenant> {
  let tenant: Tenant;
  try {
    tenant = await tenantByName(config, registry, name, opts);
  } catch (err) {
    // An unknown name, a secret this worker cannot read (ConfigError is a UsageError): a setting to fix, not to retry.
    if (err instanceof UsageError) throw new UnknownTenantError(`the job is for tenant "${name}", which this worker cannot work for: ${err.message.replace(/^--tenant \S+: /, '')}`);
    throw err;
  }
  if (tenant.enabled === false) throw new UnknownTenantError(`the job is for tenant "${name}", which is disabled (\`tenants enable ${name}\` turns it on again)`);
  if (!knowsSettings(tenant, config)) {
    throw new UnknownTenantError(
      `the job is for tenant "${name}", the environment's tenant of another process (its settings are that process's environment, not this worker's, MLUVII_TENANT=${tenantNameOf(config)}): ` +
        `register it with \`tenants add ${name}\`, or run the workers of this warehouse with its environment`,
    );
  }
  return tenant;
}

/** Whether this process has the tenant's own settings: a registered tenant's (the registry's), or its own environment's. */
const knowsSettings = (tenant: Tenant, config: Config): boolean => tenant.registered === true || tenant.name === tenantNameOf(config);

/**
 * The tenants whose nightly runs this process schedules: every enabled tenant whose settings it
 * has (the registered ones, and its environment's), each at its own time (`tenants add
 * --schedule`, else ETL_SCHEDULE_AT) in its REPORT_TZ; `known`, every enabled tenant of the
 * warehouse (a schedule of any other is removed; another process's environment tenant keeps the
 * schedule that process registered). No secret is read: the scheduled run reads it when it starts
 * (tenantForJob).
 */
export async function scheduledTenants(config: Config, registry: Knex): Promise<{ tenants: Tenant[]; known: Set<string> }> {
  const enabled = (await loadTenants(config, registry, { secrets: false })).filter((t) => t.enabled !== false);
  return { tenants: enabled.filter((t) => knowsSettings(t, config)), known: new Set(enabled.map((t) => t.name)) };
}

/** When a tenant's nightly run starts, "HH:MM" in its REPORT_TZ. */
export const scheduleOf = (tenant: Tenant): string => tenant.schedule ?? tenant.config.etlScheduleAt;

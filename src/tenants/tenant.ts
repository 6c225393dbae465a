import type { Config } from '../config.js';

/**
 * One mluvii tenant the warehouse loads: its name, which leads the key of every raw, core and
 * etl row it owns, and its settings (API and credentials, request rate, REPORT_TZ, thresholds,
 * files). The tenant of the environment is `default` (or MLUVII_TENANT) with the environment's
 * settings, so a single-tenant warehouse works as it always did; others are registered
 * (`tenants add`, src/tenants/registered-tenants.ts).
 */
export interface Tenant {
  name: string;
  config: Config;
  /** Registered with `tenants add`: its settings come from etl.tenants. Unset: the environment's tenant. */
  registered?: boolean;
  /** Whether it is loaded at all (`tenants disable` turns it off); unset: enabled. */
  enabled?: boolean;
  /** A registered tenant's nightly run, a time of day in its REPORT_TZ ("02:15"); the environment's is ETL_SCHEDULE_AT. */
  schedule?: string;
}

/** The name of the environment's tenant when MLUVII_TENANT is not set. */
export const DEFAULT_TENANT = 'default';

/** The tenant a set of settings loads: a registered tenant's settings carry its name, the environment's MLUVII_TENANT (else `default`). */
export function tenantNameOf(config: Pick<Config, 'mluviiTenant'>): string {
  return config.mluviiTenant ?? DEFAULT_TENANT;
}

/** The environment's tenant: MLUVII_TENANT (else `default`) with the environment's settings. */
export function envTenant(config: Config): Tenant {
  return { name: tenantNameOf(config), config };
}

/**
 * The tenant a set of settings loads, as a Tenant: what a command resolved (`--tenant`, else the
 * environment's, commands/tenant-option.ts) handed to the pipeline, whose units carry it.
 */
export function tenantOf(config: Config): Tenant {
  return { name: tenantNameOf(config), config, ...(config.tenantRegistered ? { registered: true } : {}) };
}

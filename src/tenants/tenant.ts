import type { Config } from '../config.js';

/**
 * One mluvii tenant the warehouse loads: its name, which leads the key of every raw, core and
 * etl row it owns, and its settings (API and credentials, request rate, REPORT_TZ, thresholds,
 * files). The tenant of the environment is `default` (or MLUVII_TENANT) with the environment's
 * settings, so a single-tenant warehouse works as it always did; others are registered.
 */
export interface Tenant {
  name: string;
  config: Config;
}

/** The name of the environment's tenant when MLUVII_TENANT is not set. */
export const DEFAULT_TENANT = 'default';

/** The environment's tenant: MLUVII_TENANT (else `default`) with the environment's settings. */
export function envTenant(config: Config): Tenant {
  return { name: config.mluviiTenant ?? DEFAULT_TENANT, config };
}

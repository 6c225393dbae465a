import type { Config } from '../config.js';
import { envTenant, type Tenant } from '../tenants/tenant.js';

/** A job names a tenant this warehouse does not load: retrying cannot help. */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
}

/**
 * THE way a worker turns the tenant a job names into its Tenant (its settings): every job goes
 * through here. Today the warehouse loads the environment's tenant only; a job for any other
 * name is refused with a message that says so, never run with the wrong tenant's settings.
 */
export function tenantForJob(name: string, config: Config): Tenant {
  const tenant = envTenant(config);
  if (name !== tenant.name) {
    throw new UnknownTenantError(`the job is for tenant "${name}", which this worker does not load (its tenant is "${tenant.name}", MLUVII_TENANT)`);
  }
  return tenant;
}

/** The tenants whose nightly runs the workers schedule. */
export function scheduledTenants(config: Config): Tenant[] {
  return [envTenant(config)];
}

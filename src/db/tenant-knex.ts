import type { Tenant } from '../tenants/tenant.js';
import { createKnex, type Knex, type KnexOptions } from './knex.js';

/**
 * A connection pool that works for one tenant: every connection sets mluvii.tenant when it opens,
 * so the queries of src/load (`tenant = etl.tenant()`) read and write that tenant's rows only, and
 * every row inserted is the tenant's. Open one per tenant a process works for; tenants share
 * nothing else, so several load side by side.
 */
export function tenantKnex(databaseUrl: string, tenant: Tenant | string, pool: Omit<KnexOptions, 'tenant'> = {}): Knex {
  return createKnex(databaseUrl, { ...pool, tenant: typeof tenant === 'string' ? tenant : tenant.name });
}

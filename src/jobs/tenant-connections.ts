import { hostname } from 'node:os';
import { requireDatabaseUrl } from '../config.js';
import type { Knex } from '../db/knex.js';
import { tenantKnex } from '../db/tenant-knex.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { clientFromConfig, shareTenantBudget } from '../pipeline/client-from-config.js';
import type { Tenant } from '../tenants/tenant.js';

/** How this worker's connections show in pg_stat_activity: which machine and process holds a transaction. */
export const workerApplicationName = (): string => `mluvii-etl worker ${hostname().slice(0, 30)}:${process.pid}`;

/**
 * A worker's connections, one set per tenant it works for, made in ONE place: the tenant's
 * warehouse pool (tenantKnex: every connection says its tenant, so every query of src/load reads
 * and writes that tenant's rows only) and the tenant's API client (clientFromConfig: its rate
 * limiter is shared by every job of the tenant this worker runs at once, and draws from the
 * tenant's budget in the warehouse that every worker shares). A client is made again
 * when the tenant's API settings changed since (`tenants add` again: another address, user,
 * secret or rate).
 */
export class TenantConnections {
  private readonly pools = new Map<string, Knex>();
  private readonly clients = new Map<string, { settings: string; client: MluviiClient }>();

  /** `jobsAtOnce`: a unit holds a transaction and may read beside it, so two connections each; the API clients claim their requests on it too. */
  constructor(
    private readonly logger: Logger,
    private readonly jobsAtOnce: number,
  ) {}

  knexFor(tenant: Tenant): Knex {
    let knex = this.pools.get(tenant.name);
    if (!knex) {
      knex = tenantKnex(requireDatabaseUrl(tenant.config), tenant, { max: 2 * this.jobsAtOnce + 3, applicationName: workerApplicationName() });
      this.pools.set(tenant.name, knex);
    }
    return knex;
  }

  clientFor(tenant: Tenant): MluviiClient {
    const c = tenant.config;
    const settings = JSON.stringify([c.mluviiBaseUrl, c.mluviiTokenUrl, c.mluviiClientId, c.mluviiClientSecret, c.mluviiRps]);
    let entry = this.clients.get(tenant.name);
    if (!entry || entry.settings !== settings) {
      const client = clientFromConfig(tenant.config, this.logger.child({ tenant: tenant.name }));
      // The tenant's one request budget, shared with its other workers and commands.
      shareTenantBudget(client, this.knexFor(tenant));
      entry = { settings, client };
      this.clients.set(tenant.name, entry);
    }
    return entry.client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((k) => k.destroy()));
    this.pools.clear();
    this.clients.clear();
  }
}

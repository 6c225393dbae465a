import { hostname } from 'node:os';
import { requireDatabaseUrl } from '../config.js';
import { createKnex, type Knex } from '../db/knex.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { clientFromConfig } from '../pipeline/client-from-config.js';
import type { Tenant } from '../tenants/tenant.js';

/** How this worker's connections show in pg_stat_activity: which machine and process holds a transaction. */
export const workerApplicationName = (): string => `mluvii-etl worker ${hostname().slice(0, 30)}:${process.pid}`;

/**
 * A worker's connections, one set per tenant it works for, made in ONE place: the warehouse pool
 * (createKnex) and the tenant's API client (clientFromConfig: its rate limiter is shared by every
 * job of the tenant this worker runs at once).
 */
export class TenantConnections {
  private readonly pools = new Map<string, Knex>();
  private readonly clients = new Map<string, MluviiClient>();

  /** `jobsAtOnce`: a unit holds a transaction and may read beside it, so two connections each. */
  constructor(
    private readonly logger: Logger,
    private readonly jobsAtOnce: number,
  ) {}

  knexFor(tenant: Tenant): Knex {
    let knex = this.pools.get(tenant.name);
    if (!knex) {
      knex = createKnex(requireDatabaseUrl(tenant.config), { max: 2 * this.jobsAtOnce + 2 }, workerApplicationName());
      this.pools.set(tenant.name, knex);
    }
    return knex;
  }

  clientFor(tenant: Tenant): MluviiClient {
    let client = this.clients.get(tenant.name);
    if (!client) {
      client = clientFromConfig(tenant.config, this.logger.child({ tenant: tenant.name }));
      this.clients.set(tenant.name, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((k) => k.destroy()));
    this.pools.clear();
    this.clients.clear();
  }
}

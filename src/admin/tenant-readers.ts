import type { Knex } from 'knex';

/** The reader roles of one tenant (etl.tenant_readers), as `tenants grant-reader` registered them. */

/** The existing reader roles of the connection's tenant alone (not REPORTING_ROLE, which reads every tenant). */
export async function tenantReaderRoles(db: Knex | Knex.Transaction): Promise<Array<{ role: string; tenant: string }>> {
  const { rows } = await db.raw(
    `SELECT r.role, r.tenant FROM etl.tenant_readers r JOIN pg_roles g ON g.rolname = r.role WHERE r.tenant = etl.tenant() ORDER BY 1`,
  );
  return rows as Array<{ role: string; tenant: string }>;
}

/** Every registered reader that exists: a tenant's (tenant set) or every tenant's (tenant null). */
export async function allReaderRoles(db: Knex | Knex.Transaction): Promise<Array<{ role: string; tenant: string | null }>> {
  const { rows } = await db.raw(`SELECT r.role, r.tenant FROM etl.tenant_readers r JOIN pg_roles g ON g.rolname = r.role ORDER BY r.tenant NULLS FIRST, r.role`);
  return rows as Array<{ role: string; tenant: string | null }>;
}

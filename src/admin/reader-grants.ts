import type { Knex } from 'knex';

/**
 * What a reader role may read, and nothing more: the views of `reporting`. The views run with the
 * rights of whoever queries them (security_invoker), so that row-level security on the tables
 * behind them shows a tenant's reader only its tenant's rows; the reader therefore holds SELECT on
 * those tables, but no USAGE on their schemas (raw, core, etl), so it can name none of them: it
 * reaches them only through a view, which Postgres resolved when the view was created.
 */

/** Schemas the reader must not reach: guest data (raw), the facts (core), the bookkeeping (etl). */
const CLOSED_SCHEMAS = ['raw', 'core', 'etl'];

/** Every table and view of core and etl that a reporting view reads, directly or through another view. */
const VIEW_SOURCES = `
  WITH RECURSIVE reads(oid) AS (
    SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
    UNION
    SELECT d.refobjid
      FROM reads
      JOIN pg_rewrite rw ON rw.ev_class = reads.oid
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> reads.oid)
  SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM reads JOIN pg_class c ON c.oid = reads.oid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ('core', 'etl') AND c.relkind IN ('r', 'p', 'v')
   ORDER BY 1`;

/**
 * The reporting views a reader of one tenant may read: those that run as their caller. A view
 * someone creates in `reporting` by hand runs with its owner's rights unless it says otherwise,
 * and would show every tenant: it is not granted to a tenant's reader.
 */
const INVOKER_VIEWS = `
  SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'reporting' AND c.relkind = 'v' AND 'security_invoker=true' = ANY (coalesce(c.reloptions, '{}'))
   ORDER BY 1`;

const names = async (db: Knex | Knex.Transaction, sql: string): Promise<string[]> => ((await db.raw(sql)).rows as Array<{ name: string }>).map((r) => r.name);

/** A role name that matched the identifier pattern, quoted. */
const quoted = (role: string) => `"${role.replace(/"/g, '""')}"`;

/**
 * The reader's rights in this database: the reporting views, nothing of raw, core, etl or public,
 * and the rows of `tenant` (or of every tenant when it is undefined: REPORTING_ROLE), recorded in
 * etl.tenant_readers for row-level security. Every tenant's reader also sees views created later
 * (default privileges); one tenant's reader only those that run as their caller.
 */
export async function grantReading(trx: Knex.Transaction, role: string, tenant?: string): Promise<void> {
  const r = quoted(role);
  const database = (await trx.raw('SELECT current_database() AS db')).rows[0].db as string;
  const closed = CLOSED_SCHEMAS.join(', ');
  await trx.raw(`
    REVOKE ALL ON ALL TABLES    IN SCHEMA ${closed}, public FROM ${r};
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${closed}, public FROM ${r};
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${closed} FROM ${r};
    REVOKE ALL ON SCHEMA ${closed}, public FROM ${r};
    REVOKE CREATE ON SCHEMA reporting FROM ${r};
    REVOKE ALL ON ALL TABLES IN SCHEMA reporting FROM ${r};

    GRANT CONNECT ON DATABASE "${database.replace(/"/g, '""')}" TO ${r};
    GRANT USAGE ON SCHEMA reporting TO ${r};
  `);
  if (tenant === undefined) {
    await trx.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ${r}; ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO ${r};`);
  }
  await trx.raw(`INSERT INTO etl.tenant_readers (role, tenant) VALUES (?, ?) ON CONFLICT DO NOTHING`, [role, tenant ?? null]);
  await grantViewsAndSources(trx, [role]);

  const publicSchema = (
    await trx.raw(
      `SELECT has_schema_privilege(?, 'public', 'CREATE') AS reader_can_create,
              pg_has_role(n.nspowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS we_own_it
         FROM pg_namespace n WHERE n.nspname = 'public'`,
      [role],
    )
  ).rows[0] as { reader_can_create: boolean; we_own_it: boolean } | undefined;
  if (publicSchema?.reader_can_create && publicSchema.we_own_it) {
    await trx.raw('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  }
}

/**
 * SELECT on what the views read, for `roles` (registered readers), and for readers of one tenant
 * the views that run as their caller: after a migration replaced a table behind a view (a grant
 * goes with the table it was given on) or added a view.
 */
async function grantViewsAndSources(db: Knex | Knex.Transaction, roles: string[]): Promise<void> {
  if (roles.length === 0) return;
  const sources = await names(db, VIEW_SOURCES);
  const views = await names(db, INVOKER_VIEWS);
  const { rows } = await db.raw(
    `SELECT role, bool_or(tenant IS NULL) AS every_tenant FROM etl.tenant_readers WHERE role = ANY(?) GROUP BY role`,
    [roles],
  );
  for (const { role, every_tenant } of rows as Array<{ role: string; every_tenant: boolean }>) {
    const on = [...sources, ...(every_tenant ? [] : views)];
    if (on.length) await db.raw(`GRANT SELECT ON ${on.join(', ')} TO ${quoted(role)}`);
  }
}

/**
 * After migrations ran: every registered reader that exists gets SELECT on what the views read
 * now (and one tenant's readers the views that run as their caller), so a new or rebuilt table
 * behind a view never leaves a BI tool with "permission denied". Runs as the owner; a no-op
 * before the tenants migration.
 */
export async function refreshReaderGrants(knex: Knex): Promise<void> {
  if (!(await knex.raw(`SELECT to_regclass('etl.tenant_readers') IS NOT NULL AS ok`)).rows[0].ok) return;
  const roles = (
    await knex.raw(`SELECT DISTINCT r.role FROM etl.tenant_readers r JOIN pg_roles g ON g.rolname = r.role ORDER BY 1`)
  ).rows.map((x: { role: string }) => x.role) as string[];
  await knex.transaction((trx) => grantViewsAndSources(trx, roles));
}

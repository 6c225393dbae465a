import type { Knex } from 'knex';
import { UsageError } from '../src/errors.js';

/**
 * Several mluvii tenants in one warehouse (issue "Several tenants, many workers"), part 1: the
 * registry and the keys. 20261208100100_tenant_reporting rebuilds the reporting layer on them.
 *
 * - etl.tenants: every tenant the warehouse loads. The environment's tenant (`default`, or
 *   MLUVII_TENANT) has no settings here: they come from the environment as before. A registered
 *   one (`tenants add`) keeps its settings here, its API secret only as a reference
 *   (`env:VARIABLE` or `file:PATH`), never the secret itself. lock_key numbers its advisory locks.
 * - Every raw, core and etl row gets `tenant`, leading its primary and unique keys: two tenants
 *   may use the same session, user, campaign and file ids. Existing rows belong to the tenant of
 *   the process that migrates (mluvii.tenant, set from MLUVII_TENANT; `default` without it).
 * - etl.tenant(): the tenant a connection works for (the setting mluvii.tenant, which the ETL's
 *   connections set when they open, src/db/knex.ts). It is the default of every tenant column, so
 *   an insert needs no tenant of its own; every read, update and delete of the ETL names it
 *   (`tenant = etl.tenant()`). A connection that chose no tenant fails on its first insert.
 * - Readers: row-level security on every tenant table. A role other than the owner sees the rows
 *   of the tenants etl.tenant_readers grants it (NULL: every tenant, REPORTING_ROLE) and nothing
 *   else. The owner (the ETL) is not subject to it: a superuser never is, so the ETL's isolation
 *   rests on its own queries, the same for every owner role.
 */

interface KeyedTable {
  table: string;
  /** Primary key columns after the tenant (none: the key does not change, e.g. etl.runs.run_id). */
  pk?: string[];
  /** A unique key that gets the tenant in front. */
  unique?: { name: string; columns: string[] };
  /** Indexes that get the tenant in front: name → columns (and a WHERE). */
  indexes?: Array<{ name: string; columns: string; where?: string }>;
  /** A child of core.sessions: its foreign key then includes the tenant. */
  child?: boolean;
}

/** In the order their keys can be rebuilt (core.sessions before its children). */
export const KEYED: KeyedTable[] = [
  {
    table: 'raw.sessions',
    pk: ['session_id'],
    indexes: [
      { name: 'raw_sessions_created_at', columns: 'created_at, session_id' },
      { name: 'raw_sessions_personal_data_kept', columns: 'created_at, session_id', where: 'personal_data_removed_at IS NULL' },
    ],
  },
  { table: 'raw.campaigns', pk: ['campaign_id'] },
  {
    table: 'core.sessions',
    pk: ['session_id'],
    indexes: [
      { name: 'sessions_created_at', columns: 'created_at' },
      { name: 'sessions_department_created', columns: 'department_id, created_at' },
      { name: 'sessions_incomplete', columns: 'created_at', where: 'NOT is_complete' },
    ],
  },
  { table: 'core.session_states', pk: ['session_id', 'state'], child: true },
  { table: 'core.session_operators', pk: ['session_id', 'user_id'], child: true, indexes: [{ name: 'session_operators_user', columns: 'user_id' }] },
  { table: 'core.routing_events', pk: ['session_id', 'seq'], child: true },
  { table: 'core.session_files', pk: ['session_id', 'file_key'], child: true, indexes: [{ name: 'session_files_user', columns: 'user_id', where: 'user_id IS NOT NULL' }] },
  { table: 'core.file_downloads', pk: ['session_id', 'file_key'], child: true, indexes: [{ name: 'file_downloads_state', columns: 'state' }] },
  { table: 'core.operators', pk: ['user_id'] },
  { table: 'core.groups', pk: ['group_id'] },
  { table: 'core.campaigns', pk: ['campaign_id'] },
  { table: 'etl.runs', indexes: [{ name: 'runs_started_at', columns: 'started_at DESC' }] },
  { table: 'etl.windows', pk: ['window_start', 'window_end'], indexes: [{ name: 'windows_status_end', columns: 'status, window_end' }] },
  { table: 'etl.rejects', unique: { name: 'rejects_reject_key_key', columns: ['reject_key'] }, indexes: [{ name: 'rejects_rejected_at', columns: 'rejected_at DESC' }] },
  { table: 'etl.settings' },
  { table: 'etl.erasures', indexes: [{ name: 'erasures_started_at', columns: 'started_at DESC' }] },
  { table: 'etl.privacy_sweep', pk: ['sweep'] },
];

const schemaOf = (table: string) => table.split('.')[0];
const nameOf = (table: string) => table.split('.')[1];
const fkName = (t: KeyedTable) => `${nameOf(t.table)}_session_id_fkey`;

/** The name the migrating connection chose (mluvii.tenant), else `default`: the owner of the rows already there. */
async function migratingTenant(knex: Knex): Promise<string> {
  const { rows } = await knex.raw(`SELECT coalesce(nullif(current_setting('mluvii.tenant', true), ''), 'default') AS name`);
  const name = rows[0].name as string;
  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(name)) throw new Error(`mluvii.tenant "${name}" is not a tenant name`);
  return name;
}

export async function up(knex: Knex): Promise<void> {
  // Row-level security reaches a view's reader only through security_invoker views (PostgreSQL 15).
  const version = Number((await knex.raw(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
  if (version < 150000) {
    throw new UsageError(`mluvii-etl needs PostgreSQL 15 or later (the reporting views run as their reader); the server of DATABASE_URL is ${Math.floor(version / 10000)}`);
  }
  const tenant = await migratingTenant(knex);
  await knex.raw(`
    CREATE TABLE etl.tenants (
      name       text PRIMARY KEY CONSTRAINT tenants_name_check CHECK (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
      source     text NOT NULL CONSTRAINT tenants_source_check CHECK (source IN ('environment', 'registry')),
      enabled    boolean NOT NULL DEFAULT true,
      settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
      lock_key   integer GENERATED ALWAYS AS IDENTITY CONSTRAINT tenants_lock_key_key UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tenants_secret_is_a_reference CHECK (settings->>'secret_from' IS NULL OR settings->>'secret_from' ~ '^(env|file):.+$')
    );
    COMMENT ON TABLE etl.tenants IS
      'The mluvii tenants this warehouse loads: the environment''s (settings from the environment) and those registered with tenants add (settings here; the API secret only as where to read it, env:VARIABLE or file:PATH).';
    INSERT INTO etl.tenants (name, source) VALUES ('${tenant}', 'environment');

    CREATE TABLE etl.tenant_readers (
      role       text NOT NULL,
      tenant     text REFERENCES etl.tenants (name),
      granted_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tenant_readers_role_tenant UNIQUE NULLS NOT DISTINCT (role, tenant)
    );
    COMMENT ON TABLE etl.tenant_readers IS
      'Which roles read which tenant''s rows through the reporting views (row-level security); tenant NULL: every tenant (REPORTING_ROLE).';

    CREATE FUNCTION etl.tenant() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT current_setting('mluvii.tenant') $$;
    COMMENT ON FUNCTION etl.tenant() IS
      'The tenant this connection works for (mluvii.tenant, set when the ETL opens a connection): the default of every tenant column, and what the ETL''s queries filter on.';

    CREATE FUNCTION etl.readable_tenants(p_role name) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
      SELECT coalesce(array_agg(DISTINCT t.name), '{}')
        FROM etl.tenant_readers r
        JOIN pg_catalog.pg_roles g ON g.rolname = r.role
        JOIN etl.tenants t ON r.tenant IS NULL OR t.name = r.tenant
       WHERE pg_catalog.pg_has_role(p_role, g.oid, 'USAGE')
    $$;
    COMMENT ON FUNCTION etl.readable_tenants(name) IS
      'The tenants whose rows a role may read: those etl.tenant_readers grants to it or to a role whose rights it has. Row-level security asks it for current_user (the caller of a view).';
  `);
  for (const t of KEYED) await addTenant(knex, t, tenant);
  // Who could read reporting before keeps reading all of it: every role granted the schema.
  await knex.raw(`
    INSERT INTO etl.tenant_readers (role, tenant)
    SELECT DISTINCT g.rolname, NULL::text
      FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles g ON g.oid = a.grantee
     WHERE n.nspname = 'reporting' AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner
    ON CONFLICT DO NOTHING
  `);
}

/** Adds the tenant column to one table, rebuilds its keys with the tenant in front, and guards it for readers. */
async function addTenant(knex: Knex, t: KeyedTable, tenant: string): Promise<void> {
  const s: string[] = [];
  // A constant default fills existing rows without rewriting the table; then the connection's tenant.
  s.push(`ALTER TABLE ${t.table} ADD COLUMN tenant text NOT NULL DEFAULT '${tenant}'`);
  s.push(`ALTER TABLE ${t.table} ALTER COLUMN tenant SET DEFAULT etl.tenant()`);
  if (t.table === 'core.sessions') {
    for (const c of KEYED.filter((x) => x.child)) s.push(`ALTER TABLE ${c.table} DROP CONSTRAINT ${fkName(c)}`);
  }
  if (t.pk) {
    s.push(`ALTER TABLE ${t.table} DROP CONSTRAINT ${nameOf(t.table)}_pkey`);
    s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${nameOf(t.table)}_pkey PRIMARY KEY (tenant, ${t.pk.join(', ')})`);
  }
  if (t.table === 'etl.settings') {
    s.push(`ALTER TABLE etl.settings DROP CONSTRAINT settings_pkey, DROP COLUMN singleton`);
    s.push(`ALTER TABLE etl.settings ADD CONSTRAINT settings_pkey PRIMARY KEY (tenant)`);
  }
  if (t.unique) {
    s.push(`ALTER TABLE ${t.table} DROP CONSTRAINT ${t.unique.name}`);
    s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${t.unique.name} UNIQUE (tenant, ${t.unique.columns.join(', ')})`);
  }
  for (const i of t.indexes ?? []) {
    s.push(`DROP INDEX ${schemaOf(t.table)}.${i.name}`);
    s.push(`CREATE INDEX ${i.name} ON ${t.table} (tenant, ${i.columns})${i.where ? ` WHERE ${i.where}` : ''}`);
  }
  if (t.child) {
    s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${fkName(t)} FOREIGN KEY (tenant, session_id) REFERENCES core.sessions (tenant, session_id) ON DELETE CASCADE`);
  } else {
    // A child's tenant is its session's; every other table names a registered tenant.
    s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${nameOf(t.table)}_tenant_fkey FOREIGN KEY (tenant) REFERENCES etl.tenants (name)`);
  }
  s.push(`COMMENT ON COLUMN ${t.table}.tenant IS 'The mluvii tenant of the row (etl.tenants); it leads every key.'`);
  s.push(`ALTER TABLE ${t.table} ENABLE ROW LEVEL SECURITY`);
  s.push(`CREATE POLICY tenant_readers ON ${t.table} FOR SELECT TO PUBLIC USING (tenant = ANY ((SELECT etl.readable_tenants(current_user))::text[]))`);
  await knex.raw(s.join(';\n'));
}

/**
 * Back to one tenant: the rows of the tenant of the migrating connection (else `default`) stay,
 * every other tenant's rows are deleted (the keys without a tenant cannot hold them).
 */
export async function down(knex: Knex): Promise<void> {
  const keep = await migratingTenant(knex);
  await keepOneTenant(knex, keep);
  const s: string[] = [];
  for (const c of KEYED.filter((x) => x.child)) s.push(`ALTER TABLE ${c.table} DROP CONSTRAINT ${fkName(c)}`);
  for (const t of KEYED) {
    s.push(`DROP POLICY tenant_readers ON ${t.table}`, `ALTER TABLE ${t.table} DISABLE ROW LEVEL SECURITY`);
    // Drops the keys and indexes that hold the tenant with it.
    s.push(`ALTER TABLE ${t.table} DROP COLUMN tenant`);
  }
  for (const t of KEYED) {
    if (t.pk) s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${nameOf(t.table)}_pkey PRIMARY KEY (${t.pk.join(', ')})`);
    if (t.unique) s.push(`ALTER TABLE ${t.table} ADD CONSTRAINT ${t.unique.name} UNIQUE (${t.unique.columns.join(', ')})`);
    for (const i of t.indexes ?? []) s.push(`CREATE INDEX ${i.name} ON ${t.table} (${i.columns})${i.where ? ` WHERE ${i.where}` : ''}`);
  }
  for (const c of KEYED.filter((x) => x.child)) {
    s.push(`ALTER TABLE ${c.table} ADD CONSTRAINT ${fkName(c)} FOREIGN KEY (session_id) REFERENCES core.sessions (session_id) ON DELETE CASCADE`);
  }
  s.push(`ALTER TABLE etl.settings ADD COLUMN singleton boolean NOT NULL DEFAULT true CHECK (singleton)`);
  s.push(`ALTER TABLE etl.settings ADD CONSTRAINT settings_pkey PRIMARY KEY (singleton)`);
  s.push(`DROP FUNCTION etl.readable_tenants(name)`, `DROP FUNCTION etl.tenant()`, `DROP TABLE etl.tenant_readers`, `DROP TABLE etl.tenants`);
  await knex.raw(s.join(';\n'));
}

/** Deletes the rows of every tenant but `keep` (a session's child rows go with it). */
export async function keepOneTenant(knex: Knex, keep: string): Promise<void> {
  for (const t of [...KEYED].reverse()) {
    if (t.child) continue;
    await knex.raw(`DELETE FROM ${t.table} WHERE tenant <> ?`, [keep]);
  }
}

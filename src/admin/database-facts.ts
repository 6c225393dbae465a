import type { Knex } from 'knex';

/** Read-only questions about the warehouse's server, its migrations and roles (what `doctor` judges). */

export async function serverIdentity(knex: Knex): Promise<{ user: string; database: string; version: string }> {
  const v = (await knex.raw(`SELECT current_user AS "user", current_database() AS db, current_setting('server_version') AS version`)).rows[0];
  return { user: v.user, database: v.db, version: v.version };
}

/** Names of the applied migrations, without extension (empty before the first migrate; undefined when the user may not read them). */
export async function appliedMigrations(knex: Knex): Promise<Set<string> | undefined> {
  const table = (
    await knex.raw(`SELECT to_regclass('public.knex_migrations') IS NOT NULL AS exists,
                           CASE WHEN to_regclass('public.knex_migrations') IS NOT NULL THEN has_table_privilege('public.knex_migrations', 'SELECT') END AS readable`)
  ).rows[0] as { exists: boolean; readable: boolean };
  if (!table.exists) return new Set();
  if (!table.readable) return undefined;
  return new Set(((await knex.raw(`SELECT name FROM public.knex_migrations`)).rows as Array<{ name: string }>).map((r) => r.name.replace(/\.(ts|js)$/, '')));
}

/** Whether `role` exists, may log in, and may use the reporting schema. */
export async function roleState(knex: Knex, role: string): Promise<{ exists: boolean; canLogin: boolean; readsReporting: boolean }> {
  const r = (await knex.raw(`SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = ?`, [role])).rows[0] as { login: boolean } | undefined;
  if (!r) return { exists: false, canLogin: false, readsReporting: false };
  const reads = (await knex.raw(`SELECT has_schema_privilege(?, 'reporting', 'USAGE') AS ok FROM pg_namespace WHERE nspname = 'reporting'`, [role])).rows[0];
  return { exists: true, canLogin: r.login, readsReporting: reads?.ok === true };
}

/** What the connected user may do: superuser, create roles, create schemas in this database. */
export async function ownPrivileges(knex: Knex): Promise<{ superuser: boolean; createRole: boolean; createSchema: boolean }> {
  const me = (
    await knex.raw(`SELECT r.rolsuper AS super, r.rolcreaterole AS createrole, has_database_privilege(current_database(), 'CREATE') AS create_schema
                      FROM pg_roles r WHERE r.rolname = current_user`)
  ).rows[0] as { super: boolean; createrole: boolean; create_schema: boolean };
  return { superuser: me.super, createRole: me.createrole, createSchema: me.create_schema };
}

import type { Knex } from 'knex';
import { UsageError } from '../errors.js';
import { markedDatabase } from './reader-role-standing.js';

/**
 * Whether the user DATABASE_URL connects as can write this warehouse: migrate it (create schemas,
 * or own the existing ones; record migrations in public.knex_migrations) and load it. Asked before
 * migrating, so that `run` as the BI reader role names the problem instead of failing a migration
 * with "permission denied for schema public". Read-only.
 */
export async function writeAccess(knex: Knex): Promise<{ user: string; owner: string | undefined; reasons: string[] }> {
  const { rows } = await knex.raw(`
    SELECT current_user AS "user", r.rolsuper AS superuser, shobj_description(r.oid, 'pg_authid') AS comment, current_database() AS database,
           has_database_privilege(current_database(), 'CREATE') AS create_schema,
           n.oid IS NOT NULL AS etl_exists, coalesce(pg_has_role(n.nspowner, 'USAGE'), false) AS owns_etl,
           (SELECT rolname FROM pg_roles WHERE oid = n.nspowner) AS etl_owner,
           to_regclass('public.knex_migrations') IS NOT NULL AS migrations_exist,
           CASE WHEN to_regclass('public.knex_migrations') IS NULL THEN has_schema_privilege('public', 'CREATE')
                ELSE has_table_privilege('public.knex_migrations', 'INSERT') END AS can_record
      FROM pg_roles r LEFT JOIN pg_namespace n ON n.nspname = 'etl'
     WHERE r.rolname = current_user`);
  const f = rows[0] as {
    user: string; superuser: boolean; comment: string | null; database: string; create_schema: boolean;
    etl_exists: boolean; owns_etl: boolean; etl_owner: string | null; migrations_exist: boolean; can_record: boolean;
  };
  const owner = f.etl_owner ?? undefined;
  if (f.superuser) return { user: f.user, owner, reasons: [] };
  const reasons: string[] = [];
  const readerOf = markedDatabase(f.comment);
  if (readerOf !== undefined) reasons.push(`it is the read-only BI role of database ${readerOf}`);
  if (f.etl_exists && !f.owns_etl) reasons.push(`it does not own the schema etl (${owner} does)`);
  if (!f.etl_exists && !f.create_schema) reasons.push(`it may not create schemas in database ${f.database}`);
  if (!f.can_record) reasons.push(f.migrations_exist ? 'it may not write public.knex_migrations' : 'it may not create tables in schema public');
  return { user: f.user, owner, reasons };
}

/** Throws a UsageError (exit 2) naming the user and what it lacks when it cannot write this warehouse. */
export async function assertCanWrite(knex: Knex): Promise<void> {
  const { user, owner, reasons } = await writeAccess(knex);
  if (!reasons.length) return;
  const use = owner && owner !== user ? `use the owner role (${owner}), as migrate did` : 'use the role that owns this database (or one it granted CREATE on the database)';
  throw new UsageError(`DATABASE_URL connects as ${user}, which cannot write to this warehouse (${reasons.join('; ')}); ${use}`);
}

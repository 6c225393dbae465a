import type { Knex } from 'knex';
import { historySql, migrationSql } from '../src/db/migration-sql.js';

/**
 * The current 15-minute interval for an intraday screen: reporting.interval_kpis gains, after its
 * existing columns, `loaded_through` (how fresh the tenant's rows are, core.loaded_through) and
 * `is_current` (the row is of the interval that holds core.report_now()).
 *
 * A view's columns cannot be dropped in place, so the view is dropped and created again (up from
 * migrations/sql, down from history/20261208100100/). Dropping it drops the grants on it too:
 * migrate gives the registered readers theirs back afterwards (admin/reader-grants.ts), but a
 * rollback does not, nor does anything give back a grant an admin made by hand; so both ways
 * carry the view's grants over to the new definition. The summaries are unchanged: nothing is
 * rebuilt.
 */

const VIEW = 'reporting.interval_kpis';
const FILE = 'reporting.interval_kpis.sql';

/** The GRANT statements that give back what the view's ACL holds now (the owner's own rights aside). */
async function grantsOnView(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw(
    `SELECT format('GRANT %s ON ${VIEW} TO %s%s', a.privilege_type,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
       FROM pg_class c
       CROSS JOIN LATERAL aclexplode(c.relacl) a
       LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE c.oid = ?::regclass AND a.grantee <> c.relowner
      ORDER BY 1`,
    [VIEW],
  );
  return rows.map((r: { statement: string }) => r.statement);
}

async function replaceView(knex: Knex, definition: string): Promise<void> {
  const grants = await grantsOnView(knex);
  await knex.raw(`DROP VIEW ${VIEW}`);
  await knex.raw(definition);
  for (const grant of grants) await knex.raw(grant);
}

export async function up(knex: Knex): Promise<void> {
  await replaceView(knex, migrationSql(FILE));
}

export async function down(knex: Knex): Promise<void> {
  await replaceView(knex, historySql('20261208100100', FILE));
}

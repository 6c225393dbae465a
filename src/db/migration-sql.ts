import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the reporting layer's `.sql` files. This module sits two levels below the tree
 * that holds `migrations/` both in a checkout (src/db → migrations/sql) and in the compiled
 * package (dist/src/db → dist/migrations/sql, which the build copies), so one relative path
 * serves the TypeScript sources and the installed JavaScript alike.
 */
export const MIGRATION_SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations', 'sql');

/** The text of one file of migrations/sql/, e.g. `reporting.interval_kpis.sql` or `history/<migration>/<file>`. */
export function migrationSql(file: string): string {
  const path = join(MIGRATION_SQL_DIR, file);
  if (!existsSync(path)) throw new Error(`migration SQL file missing: ${path} (a build that did not copy migrations/sql?)`);
  return readFileSync(path, 'utf8');
}

/**
 * A definition as the migration `migration` (its timestamp) created it, frozen in
 * migrations/sql/history/<migration>/ once a later migration replaced it: a migration must do the
 * same to every database, whatever the current files say.
 */
export function historySql(migration: string, file: string): string {
  return migrationSql(join('history', migration, file));
}

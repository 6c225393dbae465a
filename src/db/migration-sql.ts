import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the reporting layer's `.sql` files (migrations/sql/), found from the package
 * root: the nearest folder above this module that holds package.json. So the same lookup works
 * when migrations run from the TypeScript sources (tsx) and from compiled JavaScript in dist/,
 * without copying the .sql files into dist/ (they are read from <package root>/migrations/sql).
 */
function packageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}: cannot find migrations/sql`);
    dir = up;
  }
}

export const MIGRATION_SQL_DIR = join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'migrations', 'sql');

/** The text of one file of migrations/sql/, e.g. `reporting.interval_kpis.sql`. */
export function migrationSql(file: string): string {
  const path = join(MIGRATION_SQL_DIR, file);
  if (!existsSync(path)) throw new Error(`migration SQL file missing: ${path}`);
  return readFileSync(path, 'utf8');
}

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import pg from 'pg';
import { refreshReaderGrants } from '../admin/reader-grants.js';
import { assertCanWrite } from '../admin/write-access.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Names migrations without their extension, so a database migrated from the `.ts` sources (tsx)
 * and one migrated by compiled `.js` agree on what is applied (knex records names with their extension).
 */
export class ExtensionlessMigrationSource implements Knex.MigrationSource<string> {
  /** The imports so far, one after another (see getMigration). */
  private importing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir = MIGRATIONS_DIR) {}

  private files(): Map<string, string> {
    const byName = new Map<string, string>();
    for (const f of readdirSync(this.dir).sort()) {
      if (f.endsWith('.d.ts') || !/\.(ts|js)$/.test(f)) continue;
      const name = f.replace(/\.(ts|js)$/, '');
      // Prefer .js next to a .ts (compiled build); either works.
      if (!byName.has(name) || f.endsWith('.js')) byName.set(name, f);
    }
    return byName;
  }

  async getMigrations(): Promise<string[]> {
    return [...this.files().keys()];
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<MigrationModule> {
    const file = this.files().get(migration);
    if (!file) throw new Error(`migration ${migration} not found in ${this.dir}`);
    // knex asks for every migration at once; importing them one after another keeps two
    // migrations that share a module (migration-sql.ts) from racing in loaders that cannot
    // link one module twice at the same time (jest's ESM runtime: "not in cache").
    const loaded = this.importing.then(() => import(pathToFileURL(join(this.dir, file)).href) as Promise<MigrationModule>);
    this.importing = loaded.catch(() => undefined);
    return loaded;
  }
}

export const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new ExtensionlessMigrationSource(),
  tableName: 'knex_migrations',
  schemaName: 'public',
});

/**
 * Applies every pending migration; returns the names applied now (empty when up to date).
 * First checks that the connected user can write this warehouse (a UsageError naming the user
 * and what it lacks, e.g. the BI reader role), instead of failing inside a migration. After
 * migrations ran, the registered reader roles get SELECT on what the reporting views read now
 * (admin/reader-grants.ts). The rows already there when tenants came (20261208100000) belong to
 * the tenant of the connection (mluvii.tenant, src/db/tenant-knex.ts), else `default`.
 */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  await assertCanWrite(knex);
  return inTurn(knex, async () => {
    const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
    if (applied.length) await refreshReaderGrants(knex);
    return applied;
  });
}

/** Every migrating process of one database contends for this advisory lock. */
const MIGRATE_LOCK_KEY = 7_400_123_003;

/**
 * Processes migrating one database at once (workers starting together, a worker beside `migrate`)
 * take turns, the second then finding nothing to do: knex alone fails it ("Migration table is
 * already locked"). The lock is held on a connection of its own (the pool may have only one),
 * and Postgres drops it if the process dies.
 */
async function inTurn<T>(knex: Knex, work: () => Promise<T>): Promise<T> {
  const { connectionString } = knex.client.config.connection as { connectionString: string };
  const client = new pg.Client({ connectionString, application_name: 'mluvii-etl migrate' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback(migrationConfig(), true);
}

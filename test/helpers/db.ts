import { randomBytes } from 'node:crypto';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrations.js';

export interface TestDatabase {
  url: string;
  knex: Knex;
  /** Drops the database; call in afterAll. */
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: jest globalSetup should have set it');
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A database of its own for one test file, so files can run in parallel and never see each
 * other's rows. Migrated unless `migrate: false`.
 */
export async function freshDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `mluvii_test_${randomBytes(5).toString('hex')}`;
  const admin = createKnex(serverUrl(), { max: 1 });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(serverUrl(), name);
  // As the environment's tenant (`default`), like the commands the tests run: its inserts are that tenant's rows.
  const knex = createKnex(url, { max: 4, tenant: 'default' });
  if (opts.migrate !== false) await migrateLatest(knex);
  return {
    url,
    knex,
    async drop() {
      await knex.destroy();
      const a = createKnex(serverUrl(), { max: 1 });
      try {
        await a.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        // The reader role migrate creates by default (REPORTING_ROLE unset) is this database's; roles are server-wide.
        await a.raw(`DROP ROLE IF EXISTS ${name}_reader`);
      } finally {
        await a.destroy();
      }
    },
  };
}

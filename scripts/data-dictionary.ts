/**
 * Prints docs/reporting.md, the data dictionary of the reporting views, from the COMMENTs of a
 * freshly migrated scratch database (so it shows what the migrations define, not what some
 * database happens to hold):
 *
 *   node --import tsx scripts/data-dictionary.ts > docs/reporting.md
 *
 * The scratch database is created on the server of DATABASE_URL (else
 * postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards; the user needs CREATEDB.
 */
import 'dotenv/config';
import { randomBytes } from 'node:crypto';
import { createKnex } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrations.js';
import { renderDataDictionary } from '../src/admin/data-dictionary.js';

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `mluvii_dictionary_${randomBytes(4).toString('hex')}`;

const admin = createKnex(server, { max: 1 });
await admin.raw(`CREATE DATABASE ${name}`);
try {
  const url = new URL(server);
  url.pathname = `/${name}`;
  const knex = createKnex(url.toString(), { max: 1 });
  try {
    await migrateLatest(knex);
    process.stdout.write(await renderDataDictionary(knex));
  } finally {
    await knex.destroy();
  }
} finally {
  await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.destroy();
}

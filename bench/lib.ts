import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKnex, type Knex } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrations.js';

export const QUICK = process.argv.includes('--quick');
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export interface BenchDatabase {
  url: string;
  knex: Knex;
  drop(): Promise<void>;
}

/** BENCH_DATABASE_URL's server (default: the local Postgres), with a fresh database of our own. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mluvii_bench_${randomBytes(4).toString('hex')}`;
  const admin = createKnex(server, { max: 1 });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  // The environment's tenant (`default`), like the commands the benchmarks run.
  const knex = createKnex(url, { max: 4, tenant: 'default' });
  await migrateLatest(knex);
  return {
    url,
    knex,
    async drop() {
      await knex.destroy();
      const a = createKnex(server, { max: 1 });
      await a.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.destroy();
    },
  };
}

export const machine = () => ({ cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version });

/** Prints a figure table and writes bench/results/<name>.json for later comparison. */
export function report(name: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const record = { bench: name, quick: QUICK, at: new Date().toISOString(), machine: machine(), ...figures };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
  console.log(`\n## ${name}${QUICK ? ' (quick)' : ''}`);
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(34)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}

export const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
export const ratio = (a: number, b: number) => Number((a / b).toFixed(3));

/**
 * Load throughput (issue 7, figures 2 and 3): transform + load of N simulated sessions from raw
 * (`reprocess`), against the physical limit of this Postgres: COPY of exactly the same rows into
 * the same tables, measured in the same run. Then a second reprocess with nothing changed.
 *   node --import tsx bench/load.ts [--quick]
 */
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { syncReportingSettings } from '../src/load/reporting-settings.js';
import { reprocessCommand } from '../src/pipeline/reprocess.js';
import { runCommand, testConfig } from '../test/helpers/warehouse.js';
import { benchDatabase, QUICK, ratio, report, seconds } from './lib.js';
import { fillRawSessions } from './raw-fixture.js';

const N = QUICK ? 20_000 : 100_000;
const CORE_TABLES = ['core.sessions', 'core.session_states', 'core.session_operators', 'core.routing_events'];

async function copyOut(client: pg.Client, table: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    client.query(copyTo(`COPY ${table} TO STDOUT (FORMAT binary)`)),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

async function main() {
  const db = await benchDatabase();
  try {
    const config = testConfig({ DATABASE_URL: db.url });
    await syncReportingSettings(db.knex, config);
    const t0 = Date.now();
    await fillRawSessions(db.knex, N);
    console.log(`raw filled with ${N} simulated sessions in ${seconds(Date.now() - t0)} s`);

    let t = Date.now();
    const first = await runCommand(reprocessCommand, config);
    const firstMs = Date.now() - t;
    if (first.code !== 0) throw new Error('reprocess failed');

    t = Date.now();
    await runCommand(reprocessCommand, config);
    const secondMs = Date.now() - t;

    // Baseline: COPY (binary) the very rows reprocess wrote, into the same (emptied) tables.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const dumps = new Map<string, Buffer>();
    for (const table of CORE_TABLES) dumps.set(table, await copyOut(client, table));
    await client.query(`TRUNCATE ${CORE_TABLES.join(', ')}`);
    t = Date.now();
    await client.query('BEGIN');
    for (const table of CORE_TABLES) await pipeline(Readable.from([dumps.get(table)!]), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)));
    await client.query('COMMIT');
    const copyMs = Date.now() - t;
    await client.end();

    const rows = Object.fromEntries(await Promise.all(CORE_TABLES.map(async (tb) => [tb, Number((await db.knex.raw(`SELECT count(*) AS n FROM ${tb}`)).rows[0].n)])));
    const reprocessRate = N / (firstMs / 1000);
    const copyRate = N / (copyMs / 1000);
    report('load', {
      sessions: N,
      rows,
      reprocess_seconds: seconds(firstMs),
      reprocess_sessions_per_s: Math.round(reprocessRate),
      copy_baseline_seconds: seconds(copyMs),
      copy_baseline_sessions_per_s: Math.round(copyRate),
      'ratio_vs_copy (goal >= 0.5)': ratio(reprocessRate, copyRate),
      second_reprocess_seconds: seconds(secondMs),
      'incremental_ratio first/second': ratio(firstMs, secondMs),
    });
  } finally {
    await db.drop();
  }
}

await main();

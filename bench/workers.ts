/**
 * Workers (pg-boss jobs in the warehouse's Postgres), measured against baselines of the same run:
 * 1. `reprocess --queue` of N stored sessions cut into jobs, worked by 2 workers, against the same
 *    reprocess worked by 1 worker (`reprocess.speedup_2_workers`), and against one COPY of the
 *    very rows it wrote (`load.ratio_vs_copy_2_workers`; bench/load.ts measures one process so);
 * 2. a `backfill --queue` on 2 workers, one of them killed with SIGKILL inside a window ten times
 *    (a new one started each time), against a clean load of the same range:
 *    `workers.kill_lost` (rows of the clean load missing or different) and `workers.kill_doubled`
 *    (rows beyond it, and ranges marked done twice).
 *   node --import tsx bench/workers.ts [--quick]
 */
import { hostname } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { syncReportingSettings } from '../src/admin/reporting-settings.js';
import { backfillCommand } from '../src/commands/backfill.js';
import { reprocessCommand } from '../src/commands/reprocess.js';
import type { Knex } from '../src/db/knex.js';
import { startSimulator } from '../src/simulator/server.js';
import { pipelineEnv, runCommand, testConfig } from '../test/helpers/warehouse.js';
import { startCli, startWorker, waitFor, type RunningProcess } from '../test/helpers/workers.js';
import { benchDatabase, QUICK, ratio, report, seconds } from './lib.js';
import { fillRawSessions } from './raw-fixture.js';

const N = QUICK ? 20_000 : 100_000;
const KILLS = 10;
const CORE_TABLES = ['core.sessions', 'core.session_states', 'core.session_operators', 'core.routing_events', 'core.session_files'];

async function copyOut(client: pg.Client, table: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(client.query(copyTo(`COPY ${table} TO STDOUT (FORMAT binary)`)), new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
  return Buffer.concat(chunks);
}

/** `reprocess --queue` of every stored session on `workers` workers (started first, stopped after); its seconds. */
async function queuedReprocess(db: { url: string; knex: Knex }, workers: number): Promise<number> {
  await db.knex.raw(`TRUNCATE ${CORE_TABLES.join(', ')}, core.file_downloads`);
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
  const running = await Promise.all(Array.from({ length: workers }, () => startWorker(env, 1)));
  try {
    const t = Date.now();
    const r = await runCommand(reprocessCommand, testConfig({ DATABASE_URL: db.url }), { queue: true });
    const ms = Date.now() - t;
    if (r.code !== 0) throw new Error(`reprocess --queue failed: ${r.output}`);
    return ms;
  } finally {
    for (const w of running) w.child.kill('SIGTERM');
    await Promise.all(running.map((w) => w.exited));
  }
}

async function reprocessOnWorkers(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  try {
    await syncReportingSettings(db.knex, testConfig({ DATABASE_URL: db.url }));
    await fillRawSessions(db.knex, N);
    // One pass first, so both measured passes start from the same warm caches and the same summary rows.
    await queuedReprocess(db, 2);
    const oneMs = await queuedReprocess(db, 1);
    const twoMs = await queuedReprocess(db, 2);

    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    const dumps = new Map<string, Buffer>();
    for (const table of CORE_TABLES) dumps.set(table, await copyOut(client, table));
    await client.query(`TRUNCATE ${CORE_TABLES.join(', ')}, core.file_downloads`);
    const t = Date.now();
    await client.query('BEGIN');
    for (const table of CORE_TABLES) await pipeline(Readable.from([dumps.get(table)!]), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)));
    await client.query('COMMIT');
    const copyMs = Date.now() - t;
    await client.end();
    return {
      reprocess: { sessions: N, seconds_1_worker: seconds(oneMs), seconds_2_workers: seconds(twoMs), sessions_per_s_2_workers: Math.round(N / (twoMs / 1000)), speedup_2_workers: ratio(oneMs, twoMs) },
      load: { copy_baseline_seconds: seconds(copyMs), ratio_vs_copy_1_worker: ratio(copyMs, oneMs), ratio_vs_copy_2_workers: ratio(copyMs, twoMs) },
    };
  } finally {
    await db.drop();
  }
}

/** Every row of the core tables (volatile columns left out), as text: what a clean load and a killed one are compared by. */
async function coreRows(knex: Knex): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of [...CORE_TABLES, 'core.operators', 'core.groups', 'core.campaigns', 'raw.sessions']) {
    const [schema, table] = t.split('.');
    const cols = (await knex.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, [schema, table])).rows
      .map((r: { column_name: string }) => r.column_name)
      .filter((c: string) => !['loaded_at', 'updated_at', 'fetched_at', 'first_fetched_at'].includes(c));
    out.set(t, (await knex.raw(`SELECT row(${cols.map((c: string) => `"${c}"`).join(', ')})::text AS r FROM ${t}`)).rows.map((r: { r: string }) => r.r));
  }
  return out;
}

/** Rows of `a` not matched one for one in `b` (a multiset difference). */
function missingFrom(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const r of b) counts.set(r, (counts.get(r) ?? 0) + 1);
  let missing = 0;
  for (const r of a) {
    const n = counts.get(r) ?? 0;
    if (n === 0) missing += 1;
    else counts.set(r, n - 1);
  }
  return missing;
}

async function killedBackfill(): Promise<Record<string, unknown>> {
  const days = QUICK ? 4 : 8;
  const from = '2026-03-02T00:00:00Z';
  const to = new Date(Date.parse(from) + days * 86_400_000).toISOString();
  const sim = await startSimulator({ now: () => new Date('2026-12-01T00:00:00Z'), seed: 41, sessionsPerDay: 300 });
  const [clean, killed] = await Promise.all([benchDatabase(), benchDatabase()]);
  const processes: RunningProcess[] = [];
  try {
    const settings = { MLUVII_RPS: '100000', MLUVII_CONCURRENCY: '2', MLUVII_PAGE_SIZE: '20', REPORT_TZ: 'UTC', ETL_JOB_HEARTBEAT: '10s', LOG_LEVEL: 'warn' };
    if ((await runCommand(backfillCommand, testConfig(pipelineEnv(clean, sim, settings)), { from, to, window: '6h' })).code !== 0) throw new Error('clean backfill failed');
    // Slow answers: a window takes seconds, so each kill lands inside one.
    sim.setMisbehaviour({ slowRate: 1, slowMs: 60 });
    const env = pipelineEnv(killed, sim, settings);
    const workers = await Promise.all([startWorker(env), startWorker(env)]);
    processes.push(...workers);
    const t = Date.now();
    const backfill = startCli(['backfill', '--from', from, '--to', to, '--window', '6h', '--queue'], env);
    processes.push(backfill);
    let kills = 0;
    let finished = false;
    void backfill.exited.then(() => (finished = true));
    while (kills < KILLS && !finished) {
      // A worker inside a window's transaction (its connections carry its pid).
      const victim = await waitFor('a worker inside a window', async () => {
        if (finished) return null;
        for (const w of workers) {
          const inside = await killed.knex.raw(`SELECT 1 FROM pg_stat_activity WHERE application_name = ? AND xact_start IS NOT NULL`, [`mluvii-etl worker ${hostname().slice(0, 30)}:${w.child.pid}`]);
          if (inside.rows.length) return w;
        }
        return undefined;
      });
      if (!victim) break;
      await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 800)));
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills += 1;
      const replacement = await startWorker(env);
      processes.push(replacement);
      workers[workers.indexOf(victim)] = replacement;
    }
    sim.setMisbehaviour({});
    const end = await backfill.exited;
    if (end.code !== 0) throw new Error(`backfill --queue exited ${end.code}: ${backfill.stderr()}`);
    const ms = Date.now() - t;
    const [ref, got] = await Promise.all([coreRows(clean.knex), coreRows(killed.knex)]);
    let lost = 0;
    let doubled = 0;
    for (const [table, rows] of ref) {
      lost += missingFrom(rows, got.get(table) ?? []);
      doubled += missingFrom(got.get(table) ?? [], rows);
    }
    // A range marked done by two windows would have been loaded twice.
    const overlaps = Number(
      (await killed.knex.raw(`SELECT count(*) AS n FROM etl.windows a JOIN etl.windows b ON a.ctid < b.ctid AND a.window_start < b.window_end AND b.window_start < a.window_end WHERE a.status = 'done' AND b.status = 'done'`)).rows[0].n,
    );
    const retried = Number((await killed.knex.raw(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'mluvii-etl.window' AND retry_count > 0`)).rows[0].n);
    return {
      workers: {
        days,
        sessions: ref.get('core.sessions')?.length,
        kills,
        windows_retried: retried,
        backfill_seconds: seconds(ms),
        kill_lost: lost,
        kill_doubled: doubled + overlaps,
      },
    };
  } finally {
    for (const p of processes) p.child.kill('SIGKILL');
    await sim.stop();
    await clean.drop();
    await killed.drop();
  }
}

const reprocess = await reprocessOnWorkers();
const kill = await killedBackfill();
report('workers', {
  ...reprocess,
  ...kill,
  goals: 'reprocess.speedup_2_workers >= 1.6; load.ratio_vs_copy_2_workers >= 0.5; workers.kill_lost = 0 and workers.kill_doubled = 0',
});

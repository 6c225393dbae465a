/**
 * Issue "Several tenants, many workers": a single-tenant warehouse of the release before tenants
 * migrates in place. The warehouse is built by that release's migrations (up to
 * 20261207100000_runs_skipped) and filled with what a load leaves behind (raw payloads, facts,
 * files, windows with a failed one, runs, rejects, summaries, a BI reader role); the first command
 * of this version migrates it with no reload: every row stays, under the environment's tenant,
 * with the same facts and the same views, the reader reads on, and `backfill` continues where
 * the warehouse stood.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { backfillCommand } from '../../src/commands/backfill.js';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { ExtensionlessMigrationSource, migrationConfig } from '../../src/db/migrations.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

/** The last migration of the release before tenants. */
const RELEASE_BEFORE_TENANTS = '20261207100000_runs_skipped';
const FROM = '2026-06-01T22:00:00Z'; // 2–4 June in Prague
const TO = '2026-06-04T22:00:00Z';
const BROKEN = { from: new Date('2026-06-02T22:00:00Z'), to: new Date('2026-06-03T22:00:00Z') };

/** Every table a load writes, in the order their foreign keys allow. */
const TABLES = [
  'etl.runs', 'etl.windows', 'etl.rejects', 'raw.sessions', 'raw.campaigns', 'core.sessions', 'core.session_states', 'core.session_operators',
  'core.routing_events', 'core.operators', 'core.groups', 'core.campaigns', 'core.session_files', 'core.file_downloads',
];
/** Columns that record when a row was written, not what it says; and the settings' old one-row key, which tenants replaced. */
const VOLATILE = new Set(['loaded_at', 'updated_at', 'fetched_at', 'first_fetched_at', 'singleton']);

class ReleaseBeforeTenants extends ExtensionlessMigrationSource {
  override async getMigrations(): Promise<string[]> {
    return (await super.getMigrations()).filter((name) => name <= RELEASE_BEFORE_TENANTS);
  }
}

let sim: RunningSimulator;
let source: TestDatabase;
const databases: TestDatabase[] = [];
const reader = `mluvii_old_reader_${randomBytes(4).toString('hex')}`;

async function columns(knex: Knex, table: string): Promise<string[]> {
  const [schema, name] = table.split('.');
  const { rows } = await knex.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, [schema, name]);
  return rows.map((r: { column_name: string }) => r.column_name);
}

/** A warehouse as the release before tenants leaves it: its migrations, the rows of `source`, its summaries, a reader role. */
async function releaseBeforeTenants(): Promise<TestDatabase> {
  const old = await freshDatabase({ migrate: false });
  databases.push(old);
  await old.knex.migrate.latest({ ...migrationConfig(), migrationSource: new ReleaseBeforeTenants() });
  const from = new pg.Client({ connectionString: source.url });
  const into = new pg.Client({ connectionString: old.url });
  await from.connect();
  await into.connect();
  try {
    for (const table of TABLES) {
      const cols = (await columns(old.knex, table)).join(', ');
      const out = from.query(copyTo(`COPY (SELECT ${cols} FROM ${table} WHERE tenant = 'default') TO STDOUT`)) as unknown as Readable;
      await pipeline(out, into.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN`)) as unknown as Writable);
    }
  } finally {
    await from.end();
    await into.end();
  }
  const settings = (await source.knex('etl.settings').where({ tenant: 'default' }).first()) as { report_tz: string; service_level_seconds: number; short_abandon_seconds: number };
  await old.knex.raw(`UPDATE etl.settings SET report_tz = ?, service_level_seconds = ?, short_abandon_seconds = ?`, [settings.report_tz, settings.service_level_seconds, settings.short_abandon_seconds]);
  await old.knex.raw(`SELECT setval('etl.runs_run_id_seq', (SELECT max(run_id) FROM etl.runs)); SELECT setval('etl.rejects_reject_id_seq', (SELECT max(reject_id) FROM etl.rejects))`);
  await old.knex.raw(`SELECT core.rebuild_reporting_summaries()`);
  return old;
}

/** Per table, a checksum of every row over the columns the release before tenants has (not when rows were written). */
async function checksums(knex: Knex, tableColumns: Record<string, string[]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, cols] of Object.entries(tableColumns)) {
    const list = cols.filter((c) => !VOLATILE.has(c)).map((c) => `"${c}"`).join(', ');
    out[table] = (await knex.raw(`SELECT count(*) || ':' || coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '') AS v FROM (SELECT row(${list})::text AS x FROM ${table}) s`)).rows[0].v;
  }
  return out;
}

/** The views of `before` in `after`: a view added since that release (today_kpis, of the intraday release) has nothing to compare with. */
const sameViewsAs = (after: Record<string, string[]>, before: Record<string, string[]>) => Object.fromEntries(Object.keys(before).map((v) => [v, after[v]]));

/** Every reporting view's rows as text, without the tenant column. */
async function views(knex: Knex): Promise<Record<string, string[]>> {
  const names = (await knex.raw(`SELECT relname FROM pg_class WHERE relnamespace = 'reporting'::regnamespace AND relkind = 'v' ORDER BY 1`)).rows.map((r: { relname: string }) => r.relname);
  const out: Record<string, string[]> = {};
  for (const v of names) {
    const rows = (await knex.raw(`SELECT * FROM reporting.${v}`)).rows as Array<Record<string, unknown>>;
    // The data-protection release, applied by the same migrate, shows a file's name only while its
    // copy is stored (CHANGELOG): session_files is compared without it and its new deleted_reason.
    // The intraday release adds loaded_through and is_current to interval_kpis: compared without them.
    const kept =
      v === 'session_files' ? ({ tenant: _t, name: _n, deleted_reason: _d, ...r }: Record<string, unknown>) => r
      : v === 'interval_kpis' ? ({ tenant: _t, loaded_through: _l, is_current: _c, ...r }: Record<string, unknown>) => r
      : ({ tenant: _t, ...r }: Record<string, unknown>) => r;
    out[v] = rows.map((row) => JSON.stringify(kept(row))).sort();
  }
  return out;
}

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 23, sessionsPerDay: 70, misbehaviour: { brokenRange: BROKEN, malformedRate: 0.03, routingNotFoundRate: 0.1 } });
  source = await freshDatabase();
  databases.push(source);
  const r = await runCommand(backfillCommand, testConfig(pipelineEnv(source, sim, { REPORT_TZ: 'Europe/Prague' })), { from: FROM, to: TO });
  expect(r.code).toBe(1); // the broken day failed; the others loaded
  // What a download pass records (without downloading): a few files that failed.
  await source.knex.raw(`INSERT INTO core.file_downloads (session_id, file_key, state, reason, attempts)
                         SELECT session_id, file_key, 'failed', 'HTTP 503 (test)', 1 FROM core.session_files ORDER BY 1, 2 LIMIT 3`);
});

afterAll(async () => {
  await sim?.stop();
  for (const d of databases) await d.drop().catch(() => undefined);
  const admin = createKnex(new URL('/postgres', source?.url ?? 'postgres://x').toString(), { max: 1 });
  await admin.raw(`DROP ROLE IF EXISTS "${reader}"`).catch(() => undefined);
  await admin.destroy();
});

describe('a warehouse of the release before tenants', () => {
  it('migrates in place on the first command: every row kept under the default tenant, the same facts and views, the reader reads on, and the load continues', async () => {
    const old = await releaseBeforeTenants();
    const database = new URL(old.url).pathname.slice(1);
    // The BI role as that release's migrate made it.
    await old.knex.raw(`CREATE ROLE "${reader}" LOGIN PASSWORD 'old-pw'; COMMENT ON ROLE "${reader}" IS 'mluvii-etl reader of database ${database}';
      GRANT CONNECT ON DATABASE "${database}" TO "${reader}"; GRANT USAGE ON SCHEMA reporting TO "${reader}";
      GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO "${reader}"; ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO "${reader}"`);
    const asReader = () => {
      const u = new URL(old.url);
      u.username = reader;
      u.password = 'old-pw';
      return createKnex(u.toString(), { max: 1 });
    };
    const tableColumns = Object.fromEntries(await Promise.all([...TABLES, 'etl.settings'].map(async (t) => [t, await columns(old.knex, t)] as const)));
    const before = { sums: await checksums(old.knex, tableColumns), views: await views(old.knex) };
    const oldReader = asReader();
    const readBefore = await views(oldReader);
    await oldReader.destroy();
    expect(Object.keys(before.views).length).toBeGreaterThanOrEqual(13);
    expect(before.views.session_durations.length).toBeGreaterThan(100);

    // The first command of this version migrates: `reprocess` finds nothing to rebuild (the same inputs, the same transform).
    const env = pipelineEnv(old, sim, { REPORT_TZ: 'Europe/Prague', LOG_LEVEL: 'warn' });
    const reprocess = await cli(['reprocess'], env);
    expect({ code: reprocess.code, err: reprocess.err }).toEqual({ code: 0, err: '' });
    expect(reprocess.out).toContain('reprocess: nothing to do');
    for (const table of [...TABLES, 'etl.settings']) {
      expect([table, (await old.knex.raw(`SELECT DISTINCT tenant FROM ${table}`)).rows]).toEqual([table, [{ tenant: 'default' }]]);
    }
    const { ['etl.runs']: runsColumns, ...kept } = tableColumns;
    const { ['etl.runs']: runsBefore, ...sumsBefore } = before.sums;
    expect(await checksums(old.knex, kept)).toEqual(sumsBefore);
    const oldRuns = await checksums(old.knex, { ['etl.runs']: runsColumns }); // the runs of the old release, and reprocess's
    expect(oldRuns['etl.runs']).not.toEqual(runsBefore);
    const lastOldRun = Number(runsBefore.split(':')[0]);
    expect((await old.knex('etl.runs').where('run_id', '>', lastOldRun).select('kind', 'status'))).toEqual([{ kind: 'reprocess', status: 'succeeded' }]);
    expect(sameViewsAs(await views(old.knex), before.views)).toEqual(before.views);

    // The reader of that release reads every view on, the same rows, and still nothing of core.
    const newReader = asReader();
    try {
      expect(sameViewsAs(await views(newReader), readBefore)).toEqual(readBefore);
      await expect(newReader.raw(`SELECT 1 FROM core.sessions LIMIT 1`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await newReader.destroy();
    }

    // And the load continues where the warehouse stood: only the day that had failed is extracted.
    sim.setMisbehaviour({ malformedRate: 0.03, routingNotFoundRate: 0.1 });
    const backfill = await cli(['backfill', '--from', FROM, '--to', TO], env);
    expect({ code: backfill.code, err: backfill.err }).toEqual({ code: 0, err: '' });
    expect(backfill.out).toMatch(/windows 1 loaded, 2 already done, 0 failed/);
    const ids = sim.expectedSessionIds(new Date(FROM), new Date(TO));
    expect(await differences(old.knex, expectedFacts(sim, ids), 'default')).toEqual([]);
  }, 240_000);

  it('keeps its rows under MLUVII_TENANT when that is set at the first migrate', async () => {
    const old = await releaseBeforeTenants();
    const sessions = Number((await old.knex('core.sessions').count({ n: '*' }))[0].n);
    const r = await cli(['migrate'], { DATABASE_URL: old.url, MLUVII_TENANT: 'acme', LOG_LEVEL: 'warn' });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect((await old.knex.raw(`SELECT tenant, count(*)::int AS n FROM core.sessions GROUP BY 1`)).rows).toEqual([{ tenant: 'acme', n: sessions }]);
    expect((await old.knex.raw(`SELECT name, source FROM etl.tenants`)).rows).toEqual([{ name: 'acme', source: 'environment' }]);
    const status = await cli(['status', '--json'], { DATABASE_URL: old.url, MLUVII_TENANT: 'acme' });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ tenant: 'acme', migrated: true, failedWindows: [expect.objectContaining({ fromInstant: BROKEN.from.toISOString() })] });
  }, 120_000);
});

/**
 * No window that ends after now − ETL_SETTLE is ever marked done: a backfill into the future once
 * marked days that had not happened yet, and the nightly then skipped them for good. Also the
 * repair of a warehouse an older version left that way (status names the marks, --check fails,
 * `checkpoints clear` removes them without touching data, the next run loads the range).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { checkpointsCommand } from '../../src/commands/checkpoints.js';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { statusCommand } from '../../src/commands/status.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { mergeRanges } from '../../src/util/time-range.js';
import { clockAt, TEST_NOW } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, rowVersions, runCommand, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = TEST_NOW;
const SETTLED = new Date(NOW.getTime() - 30 * 60_000); // ETL_SETTLE 30m
const iso = (d: Date) => d.toISOString();
let sim: RunningSimulator;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 23, sessionsPerDay: 60, now: clockAt(NOW) });
});
afterAll(async () => {
  await sim?.stop();
  for (const db of dbs) await db.drop();
});

async function warehouse(): Promise<{ db: TestDatabase; env: Record<string, string> }> {
  const db = await freshDatabase();
  dbs.push(db);
  return { db, env: pipelineEnv(db, sim, { ETL_SETTLE: '30m', REPORT_TZ: 'UTC' }) };
}
const maxDoneEnd = async (db: TestDatabase) => (await db.knex('etl.windows').where({ status: 'done' }).max({ end: 'window_end' }))[0].end as Date;

describe('the settled line (now − ETL_SETTLE)', () => {
  it('backfill with --to in the future loads up to the line, says in one line that the rest is left for run, and marks nothing after it', async () => {
    const { db, env } = await warehouse();
    const r = await runCommand(backfillCommand, testConfig(env), { from: iso(new Date(NOW.getTime() - 2 * DAY)), to: iso(new Date(NOW.getTime() + 34 * DAY)) }, NOW);
    expect(r.code).toBe(0);
    expect(r.output.split('\n').filter((l) => /left for `run`/.test(l))).toEqual([
      `backfill loaded up to ${iso(SETTLED)} (now − ETL_SETTLE); [${iso(SETTLED)}, ${iso(new Date(NOW.getTime() + 34 * DAY))}) has not settled yet and is left for \`run\``,
    ]);
    expect(await maxDoneEnd(db)).toEqual(SETTLED);
    // The next run continues at the line: nothing is skipped.
    const status = await runCommand(statusCommand, testConfig(env), { json: true }, NOW);
    expect(JSON.parse(status.output).nextRun.fromInstant).toBe(iso(SETTLED));
  });

  it('run --until later than the line loads up to the line and says so; --until earlier is the end of the run', async () => {
    const { db, env } = await warehouse();
    const start = { ETL_START: iso(new Date(NOW.getTime() - DAY)) };
    const early = new Date(NOW.getTime() - 6 * HOUR);
    expect((await runCommand(nightlyRun, testConfig({ ...env, ...start }), { until: iso(early) }, NOW)).code).toBe(0);
    expect(await maxDoneEnd(db)).toEqual(early);
    const late = await runCommand(nightlyRun, testConfig({ ...env, ...start }), { until: iso(new Date(NOW.getTime() + DAY)) }, NOW);
    expect(late.code).toBe(0);
    expect(late.output).toMatch(/--until .* is later than now − ETL_SETTLE; run loads up to /);
    expect(await maxDoneEnd(db)).toEqual(SETTLED);
  });

  it('marks an older version made into the future: status names them, --check fails, checkpoints clear removes only the marks, and the next run loads the range', async () => {
    const { db, env } = await warehouse();
    const cfg = testConfig({ ...env, ETL_START: iso(new Date(NOW.getTime() - 3 * DAY)) });
    expect((await runCommand(nightlyRun, cfg, { until: iso(new Date(NOW.getTime() - 2 * DAY)) }, NOW)).code).toBe(0);
    // What an older backfill --to <future> left: done marks up to days ahead, made before their end.
    const markedAt = new Date(NOW.getTime() - 2 * DAY + HOUR);
    const future = { from: new Date(NOW.getTime() - 2 * DAY), to: new Date(NOW.getTime() + 10 * DAY) };
    await db.knex('etl.windows').insert({ window_start: future.from, window_end: future.to, status: 'done', finished_at: markedAt });

    const text = (await runCommand(statusCommand, cfg, {}, NOW)).output;
    expect(text).toMatch(/Marked done before they ended \(1; sessions created after the mark are missing/);
    expect(text).toContain(`repair: npx mluvii-etl checkpoints clear --from ${iso(future.from)} --to ${iso(future.to)}`);
    const check = await runCommand(statusCommand, cfg, { check: true }, NOW);
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/^FAIL: 1 window\(s\) marked done before they ended, .*checkpoints clear --from/);
    // The nightly skips the range as long as the mark is there.
    expect((await runCommand(nightlyRun, cfg, {}, NOW)).output).toMatch(/windows 0 loaded/);

    const rows = await rowVersions(db.knex);
    const cleared = await runCommand(checkpointsCommand, cfg, { args: ['clear'], from: iso(future.from), to: iso(future.to) }, NOW);
    expect(cleared.code).toBe(0);
    expect(cleared.output).toMatch(/cleared 1 done and 0 failed window mark\(s\) in .*; no loaded row was touched\. The next `run` starts at /);
    expect(await rowVersions(db.knex)).toBe(rows);
    expect((await runCommand(statusCommand, cfg, { check: true }, NOW)).output).not.toMatch(/marked done before they ended/);

    const next = await runCommand(nightlyRun, cfg, {}, NOW);
    expect(next.code).toBe(0);
    expect(await maxDoneEnd(db)).toEqual(SETTLED);
    const loaded = Number((await db.knex('core.sessions').where('created_at', '>=', future.from).count({ n: '*' }))[0].n);
    expect(loaded).toBe(sim.expectedSessionIds(future.from, SETTLED).length);
  });

  it('checkpoints clear keeps the parts of a mark outside the range', async () => {
    const { db, env } = await warehouse();
    const cfg = testConfig(env);
    const from = new Date(NOW.getTime() - 3 * DAY);
    const to = new Date(NOW.getTime() - DAY);
    expect((await runCommand(backfillCommand, cfg, { from: iso(from), to: iso(to), window: '2d' }, NOW)).code).toBe(0);
    const cut = { from: new Date(from.getTime() + DAY), to: new Date(from.getTime() + DAY + 6 * HOUR) };
    expect((await runCommand(checkpointsCommand, cfg, { args: ['clear'], from: iso(cut.from), to: iso(cut.to) }, NOW)).code).toBe(0);
    const marks = (await db.knex('etl.windows').orderBy('window_start').select('window_start', 'window_end', 'status')).map((w) => ({ from: w.window_start as Date, to: w.window_end as Date, status: w.status as string }));
    expect(new Set(marks.map((m) => m.status))).toEqual(new Set(['done']));
    expect(mergeRanges(marks).map((r) => [iso(r.from), iso(r.to)])).toEqual([
      [iso(from), iso(cut.from)],
      [iso(cut.to), iso(to)],
    ]);
  });
});

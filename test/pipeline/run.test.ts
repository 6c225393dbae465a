import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acquireWriterLock } from '../../src/load/writer-lock.js';
import { backfillCommand } from '../../src/commands/backfill.js';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { statusCommand } from '../../src/commands/status.js';
import { generateSessions } from '../../src/simulator/generator.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, rowVersions, runCommand, testConfig } from '../helpers/warehouse.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';

const HOUR = 3_600_000;
let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;
// The loaded range ends at a weekday's 14:00 in Prague (busy hours, whatever the pinned now);
// the simulator's clock first stands just after it, so the sessions of its last minutes are still
// running (incomplete) when loaded. The next night is two days later.
const rangeTo = busyHourBefore();
const rangeFrom = new Date(rangeTo.getTime() - 24 * HOUR);
const nextNight = new Date(rangeTo.getTime() + 48 * HOUR);
const nextUntil = new Date(nextNight.getTime() - 30 * 60_000);


beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ seed: 3, sessionsPerDay: 600, now: clockAt(new Date(rangeTo.getTime() + 5 * 60_000)) });
  env = pipelineEnv(db, sim, { ETL_SETTLE: '30m' });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('run (the nightly job)', () => {
  it('loads incomplete sessions as they are, and a later run completes them once the simulator concludes them (M-DONE)', async () => {
    const b = await runCommand(backfillCommand, testConfig(env), { from: rangeFrom.toISOString(), to: rangeTo.toISOString() });
    expect(b.code).toBe(0);
    const incomplete = (await db.knex('core.sessions').where({ is_complete: false }).select('session_id')).map((r) => Number(r.session_id));
    expect(incomplete.length).toBeGreaterThan(0);
    for (const s of await db.knex('core.sessions').whereIn('session_id', incomplete).select('skipped_states', 'acw_s')) {
      expect(s.skipped_states).toBeNull();
    }

    sim.setNow(clockAt(nextNight));
    const r = await runCommand(nightlyRun, testConfig(env), { until: nextUntil.toISOString() });
    expect(r.code).toBe(0);
    const still = (await db.knex('core.sessions').whereIn('session_id', incomplete).where({ is_complete: false }).select('session_id')).map((x) =>
      Number(x.session_id),
    );
    // Every session the simulator has concluded by now is complete; only those it says are still
    // running (a few sessions last more than a day) may stay incomplete.
    const runningNow = new Set(
      generateSessions({ seed: 3, from: rangeFrom, to: rangeTo, sessionsPerDay: 600, now: nextNight })
        .filter((x) => x.session.status !== 'CLOSED' || (x.session.operators ?? []).some((o) => o.left && !o.concluded))
        .map((x) => Number(x.session.id)),
    );
    expect(still.filter((id) => !runningNow.has(id))).toEqual([]);
    expect(still.length).toBeLessThan(incomplete.length / 2);
    // run continued from the watermark up to --until, with nothing left out in between
    const w = await db.knex('etl.windows').where({ status: 'done' }).select('window_start', 'window_end').orderBy('window_start');
    expect(new Date(w.at(-1).window_end)).toEqual(nextUntil);
    for (let i = 1; i < w.length; i++) expect(new Date(w[i].window_start)).toEqual(new Date(w[i - 1].window_end));
  });

  it('gives up on sessions older than ETL_INCOMPLETE_MAX_AGE and flags them never_completed', async () => {
    sim.setNow(clockAt(new Date(rangeTo.getTime() + 5 * 60_000))); // the API again says they are running
    await db.knex.raw(`UPDATE core.sessions SET is_complete = false, facts_hash = 'stale'
                        WHERE created_at >= ?`, [
      new Date(rangeTo.getTime() - HOUR).toISOString(),
    ]);
    // As of rangeTo + ETL_SETTLE: sessions created more than 10 minutes before that are given up.
    const r = await runCommand(nightlyRun, testConfig({ ...env, ETL_INCOMPLETE_MAX_AGE: '10m' }), { until: rangeTo.toISOString() });
    expect(r.code).toBe(0);
    const flagged = await db.knex('core.sessions').whereRaw(`'never_completed' = ANY(quality_flags)`).count({ n: '*' });
    expect(Number(flagged[0].n)).toBeGreaterThan(0);
    // Whatever is older than the maximum age is either complete or given up; younger ones may wait.
    const pending = await db.knex.raw(`SELECT count(*) AS n FROM core.sessions s JOIN raw.sessions r USING (session_id)
                                        WHERE NOT s.is_complete AND r.completion_given_up_at IS NULL AND s.created_at < ?::timestamptz - interval '10 minutes'`,
      [new Date(rangeTo.getTime() + 30 * 60_000).toISOString()]);
    expect(Number(pending.rows[0].n)).toBe(0);
  });

  it('a second writer exits at once (75) with a message, is recorded as skipped, changes nothing, and does not turn status --check red', async () => {
    const lock = await acquireWriterLock(db.url);
    try {
      const before = await rowVersions(db.knex);
      const started = Date.now();
      const r = await runCommand(nightlyRun, testConfig(env));
      expect(r.code).toBe(75);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await rowVersions(db.knex)).toBe(before);
      const last = await db.knex('etl.runs').orderBy('run_id', 'desc').first();
      expect(last.status).toBe('skipped');
      expect(last.error).toMatch(/another mluvii-etl run.* is running/);
      const check = await runCommand(statusCommand, testConfig(env), { check: true });
      expect(check.output).not.toMatch(/the last run .* failed/);
    } finally {
      await lock.release();
    }
  });

  it('status shows runs, windows, incomplete sessions and rejects', async () => {
    const r = await runCommand(statusCommand, testConfig(env));
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/Last run of each kind/);
    expect(r.output).toMatch(/Loaded \(done windows/);
    expect(r.output).toMatch(/Incomplete sessions \(re-fetched by each run\): \d+/);
    expect(r.output).toMatch(/Rejected payloads/);
    expect(r.output).toMatch(/run \d+ error: another mluvii-etl run/);
  });

  it('status tells a run whose process died from one that is running', async () => {
    await db.knex('etl.runs').insert({ kind: 'backfill', status: 'running' });
    expect((await runCommand(statusCommand, testConfig(env))).output).toMatch(/died \(killed; closed by the next writer\)/);
    const lock = await acquireWriterLock(db.url);
    try {
      const out = (await runCommand(statusCommand, testConfig(env))).output;
      expect(out).not.toMatch(/died/);
      expect(out).toMatch(/backfill\s+running/);
    } finally {
      await lock.release();
    }
  });
});

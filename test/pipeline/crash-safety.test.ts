import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { coreChecksums } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { childEnv } from '../helpers/cli.js';

const FROM = '2026-05-04T00:00:00Z';
const TO = '2026-05-07T00:00:00Z';

let sim: RunningSimulator;
let killed: TestDatabase;
let clean: TestDatabase;

beforeAll(async () => {
  // Sized so the whole test is a few thousand requests: it must pass on a machine 3x slower than ours.
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 7, sessionsPerDay: 80, misbehaviour: { slowRate: 0.05, slowMs: 20 } });
  [killed, clean] = await Promise.all([freshDatabase(), freshDatabase()]);
});
afterAll(async () => {
  await sim?.stop();
  await killed?.drop();
  await clean?.drop();
});

/**
 * Runs the real CLI in a child process. With `kill`, it is killed with SIGKILL once `kill.afterWindows`
 * windows are done plus `kill.extraMs` (somewhere inside the next window), whatever the machine's speed.
 */
function backfill(databaseUrl: string, kill?: { db: TestDatabase; afterWindows: number; extraMs: number }): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/mluvii-etl.js', 'backfill', '--from', FROM, '--to', TO, '--window', '6h'], {
      env: childEnv({
        DATABASE_URL: databaseUrl,
        MLUVII_BASE_URL: sim.url,
        MLUVII_CLIENT_ID: sim.clientId,
        MLUVII_CLIENT_SECRET: sim.clientSecret,
        MLUVII_RPS: '1000',
        MLUVII_CONCURRENCY: '8',
        MLUVII_PAGE_SIZE: '10',
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    let exited = false;
    if (kill) {
      void (async () => {
        while (!exited) {
          const done = await kill.db.knex('etl.windows').where({ status: 'done' }).count({ n: '*' });
          if (Number(done[0].n) >= kill.afterWindows) {
            await new Promise((r) => setTimeout(r, kill.extraMs));
            child.kill('SIGKILL');
            return;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
    }
    child.on('exit', (code, signal) => {
      exited = true;
      if (code !== 0 && signal === null) process.stderr.write(stderr);
      resolve({ code, signal });
    });
  });
}

describe('crash safety', () => {
  it('a backfill killed with SIGKILL at random moments, then run to the end, leaves the same warehouse as an uninterrupted one', async () => {
    expect((await backfill(clean.url)).code).toBe(0);
    const reference = await coreChecksums(clean.knex);
    expect(reference.sessions.rows).toBeGreaterThan(150);

    // Kill points: a random number of windows into the load plus a few ms; seeded so a failure can be replayed.
    let seed = 20261124;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let kills = 0;
    const doneAfterKill: number[] = [];
    const crashRecords: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const doneSoFar = Number((await killed.knex('etl.windows').where({ status: 'done' }).count({ n: '*' }))[0].n);
      const r = await backfill(killed.url, { db: killed, afterWindows: Math.min(11, doneSoFar + 1 + Math.floor(rand() * 3)), extraMs: Math.floor(rand() * 30) });
      const windows = await killed.knex('etl.windows').where({ status: 'done' }).count({ n: '*' });
      if (r.signal === 'SIGKILL') {
        kills += 1;
        doneAfterKill.push(Number(windows[0].n));
        // The killed run's record already counts the windows it had committed (each in its window's transaction).
        const run = await killed.knex('etl.runs').orderBy('run_id', 'desc').first();
        if (run.status === 'running') {
          const committed = await killed.knex('etl.windows').where({ status: 'done', run_id: run.run_id }).count({ n: '*' });
          expect(run.windows_done).toBe(Number(committed[0].n));
          crashRecords.push(run.windows_done);
        }
      }
      if (Number(windows[0].n) === 12) break;
    }
    expect(kills).toBeGreaterThan(0);
    // At least one kill landed in the middle of the load (some windows done, not all).
    expect(doneAfterKill.some((n) => n > 0 && n < 12)).toBe(true);
    expect(crashRecords.some((n) => n > 0)).toBe(true);
    expect((await backfill(killed.url)).code).toBe(0);

    expect(await coreChecksums(killed.knex)).toEqual(reference);
    const dupes = await killed.knex.raw('SELECT count(*) - count(DISTINCT session_id) AS d FROM raw.sessions');
    expect(Number(dupes.rows[0].d)).toBe(0);
    const runs = await killed.knex('etl.runs').select('status');
    expect(runs.filter((r) => r.status === 'running')).toHaveLength(0); // killed runs are closed as failed
  }, 300_000);
});

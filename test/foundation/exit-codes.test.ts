/**
 * The exit-code table (src/exit-codes.ts; README "Exit codes", `--help`) holds for every command:
 * 0 done, 1 the work failed, 2 usage or configuration (API credentials refused included), 75
 * another writer holds the lock (nothing done, recorded as skipped), 130 Ctrl-C.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/commands/index.js';
import { EXIT } from '../../src/exit-codes.js';
import { acquireWriterLock } from '../../src/load/writer-lock.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { childEnv, runCli } from '../helpers/cli.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';

const RANGE = ['--from', '2026-05-04', '--to', '2026-05-06'];
let sim: RunningSimulator;
let db: TestDatabase;
let env: Record<string, string>;
let files: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 13, sessionsPerDay: 40, files: {}, now: clockAt(AFTER_TEST_RANGES) });
  db = await freshDatabase();
  files = mkdtempSync(join(tmpdir(), 'mluvii-exit-codes-'));
  env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC', MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '8', MLUVII_FILES_DIR: files });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  rmSync(files, { recursive: true, force: true });
});

const lastRun = async () => db.knex('etl.runs').orderBy('run_id', 'desc').first();

describe('exit codes', () => {
  it('--help of the program and of every command prints the table', async () => {
    for (const args of [['--help'], ...COMMANDS.map((c) => [c.name, '--help'])]) {
      const r = await runCli(args, {});
      expect({ args, code: r.code }).toEqual({ args, code: EXIT.ok });
      expect(r.stdout).toMatch(/Exit codes \(every command\):\n {2}0 {4}done\n {2}1 {4}the work failed.*\n {2}2 {4}usage or configuration.*\n {2}75 {3}another mluvii-etl writer.*\n {2}130 {2}interrupted/);
    }
  });

  it('2: a bad flag, for every command', async () => {
    for (const c of COMMANDS) {
      const r = await runCli([c.name, '--no-such-flag'], env);
      expect({ command: c.name, code: r.code }).toEqual({ command: c.name, code: EXIT.usage });
    }
  });

  it('0 when done; 2 when the API refuses the credentials (a retry cannot help), for every command that calls the API', async () => {
    expect((await runCli(['backfill', ...RANGE], env)).code).toBe(EXIT.ok);
    for (const args of [['run', '--until', '2026-05-07'], ['backfill', ...RANGE, '--force']]) {
      const r = await runCli(args, { ...env, MLUVII_CLIENT_SECRET: 'not-the-secret' });
      expect({ args, code: r.code, refused: /refused the API credentials/.test(r.stderr) }).toEqual({ args, code: EXIT.usage, refused: true });
    }
    // doctor reports the refusal as a failed check (1), like status --check a problem.
    const doctor = await runCli(['doctor', '--day', '2026-05-04'], { ...env, MLUVII_CLIENT_SECRET: 'not-the-secret' });
    expect(doctor.code).toBe(EXIT.failed);
    expect(doctor.stdout).toMatch(/FAIL\s+token/);
  });

  it('75: another writer holds the lock: nothing done, recorded as skipped, and status --check says what it said before', async () => {
    const before = await runCli(['status', '--check'], env);
    const lock = await acquireWriterLock(db.url);
    try {
      for (const args of [['run', '--until', '2026-05-07'], ['backfill', ...RANGE], ['reprocess'], ['checkpoints', 'clear', ...RANGE]]) {
        const r = await runCli(args, env);
        expect({ args, code: r.code }).toEqual({ args, code: EXIT.busy });
        expect(r.stderr).toMatch(/another mluvii-etl run.*is running against this database.*nothing done; recorded as skipped/);
        expect((await lastRun()).status).toBe('skipped');
      }
      const after = await runCli(['status', '--check'], env);
      expect({ code: after.code, out: after.stdout }).toEqual({ code: before.code, out: before.stdout });
      // A download pass runs beside the writers: it is never the one told to wait.
      expect((await runCli(['files'], env)).code).toBe(EXIT.ok);
    } finally {
      await lock.release();
    }
  });

  it('2: a simulator port in use says so', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (busy.address() as { port: number }).port;
      const r = await runCli(['simulator', '--port', String(port)], {});
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr.trim()).toBe(`mluvii-etl: --port ${port}: the port is in use by another program; pick another (--port 0 picks a free one)`);
    } finally {
      busy.close();
    }
  });

  it('130: Ctrl-C says what was rolled back and that the next run continues; the next backfill finishes the range', async () => {
    const slow = await startSimulator({ seed: 13, sessionsPerDay: 40, misbehaviour: { slowRate: 1, slowMs: 150 }, now: clockAt(AFTER_TEST_RANGES) });
    const own = await freshDatabase();
    try {
      const slowEnv = pipelineEnv(own, slow, { REPORT_TZ: 'UTC', MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '4', LOG_LEVEL: 'warn' });
      const child = spawn(process.execPath, [`${process.cwd()}/bin/mluvii-etl.js`, 'backfill', ...RANGE, '--window', '6h'], { env: childEnv(slowEnv), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      // Once a window has committed, the next one is in progress: interrupt it.
      while (Number((await own.knex('etl.windows').count({ n: '*' }))[0].n) < 1) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      expect(await exited).toBe(EXIT.interrupted);
      expect(stderr).toMatch(/backfill interrupted \(Ctrl-C\): the window in progress was rolled back, the \d+ window\(s\) committed before it are kept; the next backfill continues from there/);
      const run = await own.knex('etl.runs').orderBy('run_id', 'desc').first();
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/interrupted by SIGINT/);
      const again = await runCli(['backfill', ...RANGE, '--window', '6h'], slowEnv);
      expect(again.code).toBe(EXIT.ok);
      expect(again.stdout).toMatch(/windows \d+ loaded, [1-9]\d* already done, 0 failed/);
    } finally {
      await slow.stop();
      await own.drop();
    }
  });
});

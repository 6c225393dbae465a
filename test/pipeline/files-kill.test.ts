/**
 * A download killed midway (SIGKILL of the real CLI in a child process) leaves no file recorded as
 * stored that is not complete, and the next `files` finishes the job with no stray temporary file.
 * The kill is triggered by what is on disk (a temporary file with bytes in it), not by a clock.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { childEnv, NO_ENV_FILE } from '../helpers/cli.js';

jest.setTimeout(240_000);

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  // Every file is large and sent in slow chunks, so a download is in flight most of the time.
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 5, sessionsPerDay: 30, files: { sharedFileRate: 0.6, slowLargeRate: 1, largeBytes: 1_500_000, slowChunkDelayMs: 4 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-kill-'));
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ ...pipelineEnv(db, sim), LOG_LEVEL: 'silent', MLUVII_RPS: '500', MLUVII_CONCURRENCY: '4', MLUVII_FILES_DIR: dir });

function partials(): Array<{ name: string; size: number }> {
  const p = join(dir, '.partial');
  if (!existsSync(p)) return [];
  return readdirSync(p)
    .filter((n) => n.endsWith('.part'))
    .map((n) => {
      try {
        return { name: n, size: statSync(join(p, n)).size };
      } catch {
        return { name: n, size: 0 };
      }
    });
}

async function storedRowsAreComplete(): Promise<number> {
  const rows = (await db.knex.raw(`SELECT stored_path, size_bytes, sha256 FROM reporting.session_files WHERE state = 'stored'`)).rows;
  for (const r of rows) {
    const bytes = readFileSync(resolve(dir, r.stored_path));
    expect([r.stored_path, bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([r.stored_path, Number(r.size_bytes), r.sha256]);
  }
  return rows.length;
}

describe('files, killed mid-download', () => {
  it('leaves nothing half-stored, and the next run finishes with no stray temporary files', async () => {
    const quiet = { LOG_LEVEL: 'silent' };
    expect(await main(['backfill', '--from', '2026-05-04', '--to', '2026-05-05'], { ...NO_ENV_FILE, ...pipelineEnv(db, sim), ...quiet })).toBe(0);
    const total = Number((await db.knex.raw(`SELECT count(*) AS n FROM reporting.session_files WHERE state = 'available'`)).rows[0].n);
    expect(total).toBeGreaterThan(3);

    const child = spawn(process.execPath, ['bin/mluvii-etl.js', 'files'], { env: childEnv(env()), stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    let sawPartial = false;
    for (;;) {
      if (partials().some((p) => p.size > 0)) {
        sawPartial = true;
        child.kill('SIGKILL');
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const how = await exited;
    expect(sawPartial).toBe(true);
    expect(how.signal).toBe('SIGKILL');
    expect(partials().length).toBeGreaterThan(0); // the killed download's temporary file is still there …
    const storedBefore = await storedRowsAreComplete(); // … and no stored row is anything but complete
    expect(storedBefore).toBeLessThan(total);

    const again = await main(['files'], { ...NO_ENV_FILE, ...env() });
    expect(again).toBe(0);
    expect(partials()).toEqual([]); // … until the next run removed it
    expect(await storedRowsAreComplete()).toBe(total);
    const rows = (await db.knex.raw(`SELECT session_id, file_key, sha256 FROM reporting.session_files`)).rows;
    for (const r of rows) {
      const key = String(r.file_key).replace(':', '-');
      expect([r.file_key, r.sha256]).toEqual([r.file_key, sim.files!.expectedFile(key).sha256]);
    }
    expect(sim.files!.tokenLeaks).toBe(0);
  });
});

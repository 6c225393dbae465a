/**
 * Files on disk that any system can hold, where they were put: copies stored under the older
 * `recording:<id>-…` names are renamed to portable names without downloading them again, and a
 * MLUVII_FILES_DIR that now points elsewhere (a relative setting read from another current
 * folder) never makes a pass download again a file whose bytes are stored. Real CLI in child
 * processes (each with its own current folder), real simulator in this one.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { logLines, type CliResult } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';

jest.setTimeout(180_000);

const BIN = resolve('bin/mluvii-etl.js');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The CLI in a child process whose current folder is `cwd` (only PATH and HOME inherited). */
function cliIn(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err, ms: Date.now() - started }));
  });
}

async function setup(): Promise<{ sim: RunningSimulator; db: TestDatabase; base: string; env: (extra?: Record<string, string>) => Record<string, string> }> {
  const sim = await startSimulator({ seed: 51, sessionsPerDay: 10, files: { sharedFileRate: 0.5 }, now: () => new Date('2026-05-10T00:00:00Z') });
  const db = await freshDatabase();
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'mluvii-folders-')));
  cleanup.push(() => sim.stop(), () => db.drop(), () => rmSync(base, { recursive: true, force: true }));
  return { sim, db, base, env: (extra = {}) => ({ ...pipelineEnv(db, sim), LOG_LEVEL: 'warn', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '8', ...extra }) };
}

const storedRows = async (db: TestDatabase) =>
  (await db.knex.raw(`SELECT session_id, file_key, stored_path, files_dir, sha256 FROM core.file_downloads WHERE state = 'stored' ORDER BY 1, 2`)).rows as Array<{
    session_id: string; file_key: string; stored_path: string; files_dir: string | null; sha256: string;
  }>;

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('copies stored under the older names', () => {
  it('are renamed to portable names by the next pass, without downloading them again', async () => {
    const { sim, db, base, env } = await setup();
    const dir = join(base, 'files');
    const first = await cliIn(base, ['backfill', '--from', '2026-05-04', '--to', '2026-05-05'], env({ MLUVII_FILES_DIR: dir }));
    expect(first.code).toBe(0);
    const stored = await storedRows(db);
    expect(stored.length).toBeGreaterThan(3);
    // As an older version left them: `recording:12-…` on disk and in the row, and no folder recorded.
    for (const r of stored) {
      const old = r.stored_path.replace(/\/(recording|file)-(\d+)-/, '/$1:$2-');
      renameSync(join(dir, r.stored_path), join(dir, old));
      await db.knex.raw(`UPDATE core.file_downloads SET stored_path = ?, files_dir = NULL WHERE session_id = ? AND file_key = ?`, [old, r.session_id, r.file_key]);
    }
    expect(filesUnder(dir).filter((p) => p.includes(':')).length).toBe(stored.length);
    const begun = new Map(sim.files!.begun);

    const r = await cliIn(base, ['files'], env({ MLUVII_FILES_DIR: dir }));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`; ${stored.length} stored files renamed to portable names`);
    expect(sim.files!.begun).toEqual(begun); // not one download
    expect(await storedRows(db)).toEqual(stored.map((s) => ({ ...s, files_dir: dir })));
    for (const s of stored) expect(sha(join(dir, s.stored_path))).toBe(s.sha256);
    expect(filesUnder(dir).filter((p) => p.includes(':'))).toEqual([]);
  });
});

describe('MLUVII_FILES_DIR pointing elsewhere', () => {
  it('a relative setting run from another folder warns, downloads nothing already stored, and still finds the copies where they are', async () => {
    const { sim, db, base, env } = await setup();
    const here = join(base, 'here');
    const there = join(base, 'there');
    mkdirSync(here);
    mkdirSync(there);
    const relative = env({ MLUVII_FILES_DIR: 'files' });
    expect((await cliIn(here, ['backfill', '--from', '2026-05-04', '--to', '2026-05-05'], relative)).code).toBe(0);
    const stored = await storedRows(db);
    expect(stored.length).toBeGreaterThan(3);
    expect(new Set(stored.map((s) => s.files_dir))).toEqual(new Set([join(here, 'files')]));
    const begun = new Map(sim.files!.begun);

    const r = await cliIn(there, ['files'], relative);
    expect(r.code).toBe(0);
    expect(sim.files!.begun).toEqual(begun); // nothing downloaded again
    expect(filesUnder(join(there, 'files'))).toEqual([]);
    const warning = logLines(r.err).find((l) => l.level === 40 && String(l.msg).includes('stored file(s) live under'));
    expect(warning).toMatchObject({ filesDir: join(there, 'files'), storedUnder: join(here, 'files'), files: stored.length });
    expect(await storedRows(db)).toEqual(stored);

    // A copy removed from where it lives is downloaded again, into today's folder, and only that one.
    rmSync(join(here, 'files', stored[0].stored_path));
    const again = await cliIn(there, ['files'], relative);
    expect([again.code, again.out]).toEqual([0, expect.stringContaining('1 stored copies were missing or changed on disk and were downloaded again')]);
    const now = await storedRows(db);
    expect(now[0]).toEqual({ ...stored[0], files_dir: join(there, 'files') });
    expect(sha(join(there, 'files', stored[0].stored_path))).toBe(stored[0].sha256);
    expect(now.slice(1)).toEqual(stored.slice(1));
  });
});

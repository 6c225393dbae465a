/**
 * The files folder is not trusted: symbolic links placed in MLUVII_FILES_DIR beforehand never
 * make the product delete, write or overwrite anything outside it. The pass refuses to start and
 * names the links; a link that appears later is refused where it is met. Real CLI, real simulator.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FilesDirError, storeAtomically } from '../../src/files/store.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { inProcessCli as cli } from '../helpers/in-process-cli.js';
import { pipelineEnv } from '../helpers/warehouse.js';

jest.setTimeout(120_000);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A warehouse with one day's metadata, a files folder, and a folder outside it holding a precious file. */
async function setup(): Promise<{ sim: RunningSimulator; db: TestDatabase; dir: string; outside: string; env: Record<string, string> }> {
  const sim = await startSimulator({ seed: 31, sessionsPerDay: 10, files: { sharedFileRate: 0.5 }, now: () => new Date('2026-05-10T00:00:00Z') });
  const db = await freshDatabase();
  cleanup.push(() => sim.stop(), () => db.drop());
  expect((await cli(['backfill', '--from', '2026-05-04', '--to', '2026-05-05'], pipelineEnv(db, sim))).code).toBe(0);
  const dir = tmp('mluvii-links-');
  const outside = tmp('mluvii-outside-');
  writeFileSync(join(outside, 'precious.txt'), 'keep me');
  return { sim, db, dir, outside, env: pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir }) };
}

const downloads = async (db: TestDatabase) => (await db.knex.raw(`SELECT count(*)::int AS n FROM core.file_downloads`)).rows[0].n as number;

describe('links placed in MLUVII_FILES_DIR beforehand', () => {
  it('.partial linked to another folder: the pass refuses, naming it, and the other folder keeps its files', async () => {
    const { sim, db, dir, outside, env } = await setup();
    symlinkSync(outside, join(dir, '.partial'));
    const r = await cli(['files'], env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`MLUVII_FILES_DIR (${dir}) holds 1 symbolic link(s), which the downloader never follows: .partial → ${outside}`);
    expect(readdirSync(outside)).toEqual(['precious.txt']);
    expect(await downloads(db)).toBe(0);
    expect(sim.files!.begun.size).toBe(0);
  });

  it('a day folder linked elsewhere: the pass refuses, and nothing is written there', async () => {
    const { db, dir, outside, env } = await setup();
    symlinkSync(outside, join(dir, '2026-05-04'));
    const r = await cli(['files'], env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`which the downloader never follows: 2026-05-04 → ${outside}`);
    expect(readdirSync(outside)).toEqual(['precious.txt']);
    expect(await downloads(db)).toBe(0);
  });

  it('a temporary file linked to a file outside: the pass refuses, and the outside file is not overwritten', async () => {
    const { db, dir, outside, env } = await setup();
    const first = (await db.knex.raw(`SELECT session_id, file_key FROM reporting.session_files WHERE state = 'available' ORDER BY 1, 2 LIMIT 1`)).rows[0];
    mkdirSync(join(dir, '.partial'));
    // The name older versions gave the first file's temporary file.
    const part = `${first.session_id}-${String(first.file_key).replace(/[^A-Za-z0-9_-]/g, '_')}.part`;
    symlinkSync(join(outside, 'precious.txt'), join(dir, '.partial', part));
    const r = await cli(['files'], env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`.partial/${part} → ${join(outside, 'precious.txt')}`);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(await downloads(db)).toBe(0);
  });

  it('with the links gone, the same folder works', async () => {
    const { db, dir, env } = await setup();
    const r = await cli(['files'], env);
    expect(r.code).toBe(0);
    expect(await downloads(db)).toBeGreaterThan(0);
    expect((await db.knex.raw(`SELECT count(*)::int AS n FROM reporting.session_files WHERE state = 'stored'`)).rows[0].n).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['.partial', '2026-05-04']);
  });
});

describe('a link that appears during a pass', () => {
  it('a session folder linked elsewhere is refused where the file would be written; nothing lands outside', async () => {
    const dir = tmp('mluvii-store-');
    const outside = tmp('mluvii-outside-');
    mkdirSync(join(dir, '.partial'));
    mkdirSync(join(dir, '2026-05-04'));
    symlinkSync(outside, join(dir, '2026-05-04', '7'));
    const store = storeAtomically(dir, '2026-05-04/7/recording-1-a.ogg', Readable.from([Buffer.from('OggS data')]), {
      kind: 'recording', name: 'a.ogg', maxBytes: 1000, minFreeBytes: 0,
    });
    await expect(store).rejects.toThrow(FilesDirError);
    await expect(store).rejects.toThrow(`holds a symbolic link, which the downloader never follows: 2026-05-04/7 → ${outside}`);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(join(dir, '.partial'))).toEqual([]);
  });

  it('the stored copy itself replaced by a link counts as missing (lstat), and is downloaded again over the link, not through it', async () => {
    const { db, dir, outside, env } = await setup();
    expect((await cli(['files'], env)).code).toBe(0);
    const row = (await db.knex.raw(`SELECT stored_path, sha256 FROM reporting.session_files WHERE state = 'stored' ORDER BY 1 LIMIT 1`)).rows[0];
    rmSync(join(dir, row.stored_path));
    symlinkSync(join(outside, 'precious.txt'), join(dir, row.stored_path));
    const r = await cli(['files'], env);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining('1 stored copies were missing or changed on disk and were downloaded again')]);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
    expect((await db.knex.raw(`SELECT sha256 FROM core.file_downloads WHERE stored_path = ?`, [row.stored_path])).rows[0].sha256).toBe(row.sha256);
  });
});

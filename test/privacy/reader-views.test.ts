/**
 * Nobody sees what they should not (docs/privacy.md): logged in as the reader role, every row of
 * every `reporting` view holds none of the guest's personal strings planted in every session —
 * a file's name only as the made-safe name of the copy on disk, while the copy is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillCommand } from '../../src/commands/backfill.js';
import { filesCommand } from '../../src/commands/files.js';
import { safeFileName } from '../../src/files/safe-path.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';
import { readerConnection, type ReaderConnection } from '../reporting/reader.js';

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;
let reader: ReaderConnection;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 61, sessionsPerDay: 50, misbehaviour: { personalMarkers: 1 }, files: { sharedFileRate: 0.6, hostileNameRate: 0.3 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-reader-'));
  reader = await readerConnection(db);
});
afterAll(async () => {
  await reader?.close();
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every row of every view of `reporting`, as the reader reads it, as text per view. */
async function everyView(): Promise<Record<string, string[]>> {
  const k = reader.connect();
  const views = (await k.raw(`SELECT table_name FROM information_schema.views WHERE table_schema = 'reporting' ORDER BY 1`)).rows as Array<{ table_name: string }>;
  const out: Record<string, string[]> = {};
  for (const v of views) out[v.table_name] = ((await k.raw(`SELECT x::text AS line FROM reporting."${v.table_name}" x`)).rows as Array<{ line: string }>).map((r) => r.line);
  return out;
}

const personal = (lines: string[]) => lines.filter((l) => /pii-\d+-/.test(l));

describe('the reader role', () => {
  it('sees no guest personal data in any reporting view, files not downloaded', async () => {
    expect((await runCommand(backfillCommand, testConfig(pipelineEnv(db, sim)), { from: '2026-05-04', to: '2026-05-06' })).code).toBe(0);
    // The strings are there to be found: in core, which the reader cannot read.
    const planted = await db.knex.raw(`SELECT count(*)::int AS n FROM core.session_files WHERE name LIKE 'pii-%'`);
    expect(planted.rows[0].n).toBeGreaterThan(20);
    const views = await everyView();
    expect(Object.keys(views).length).toBeGreaterThan(10);
    expect(views.session_files.length).toBeGreaterThan(20);
    for (const [view, lines] of Object.entries(views)) expect({ view, personal: personal(lines) }).toEqual({ view, personal: [] });
  });

  it('sees a file name only as the made-safe name of a stored copy', async () => {
    expect((await runCommand(filesCommand, testConfig(pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir })), {})).code).toBe(0);
    const views = await everyView();
    for (const [view, lines] of Object.entries(views)) if (view !== 'session_files') expect({ view, personal: personal(lines) }).toEqual({ view, personal: [] });
    const k = reader.connect();
    const rows = (await k.raw(`SELECT f.name, f.stored_path, f.state FROM reporting.session_files f`)).rows as Array<{ name: string | null; stored_path: string | null; state: string }>;
    const stored = rows.filter((r) => r.state === 'stored');
    expect(stored.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.state !== 'stored' && (r.name !== null || r.stored_path !== null))).toEqual([]);
    for (const r of stored) {
      expect(r.stored_path?.endsWith(`-${r.name}`)).toBe(true);
      expect(safeFileName(r.name)).toBe(r.name);
    }
    const raw = (await db.knex.raw(`SELECT name FROM core.session_files WHERE name IS NOT NULL`)).rows as Array<{ name: string }>;
    // What mluvii calls them (chosen by the guest) never reaches the view, except where the made-safe name is the same.
    const shown = new Set(stored.map((r) => r.name));
    expect(raw.filter((r) => r.name !== safeFileName(r.name) && shown.has(r.name))).toEqual([]);
  });
});

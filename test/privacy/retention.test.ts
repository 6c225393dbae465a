/**
 * The warehouse's own retention (docs/privacy.md): RAW_RETENTION removes the planted personal
 * strings of the sessions past it from a pg_dump of the whole warehouse and from the files
 * folder (the copies stay, nameless, for FILES_RETENTION), leaves every duration fact and KPI row
 * as it was, and `reprocess` rebuilds those sessions to the same numbers and says why it can;
 * REJECTS_RETENTION deletes old rejects, and a reject keeps only reason and ids once the next pass
 * after it ran (never past a day with nightly runs).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillCommand } from '../../src/commands/backfill.js';
import { privacyCommand } from '../../src/commands/privacy.js';
import { reprocessCommand } from '../../src/commands/reprocess.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { factsChecksums, filesText, markersIn, warehouseDump } from '../helpers/privacy.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 210;
/** Sessions created before this are past RAW_RETENTION at AFTER_TEST_RANGES. */
const CUTOFF = new Date(AFTER_TEST_RANGES.getTime() - RETENTION_DAYS * DAY_MS);

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;
let old: number[];
let recent: number[];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 41, sessionsPerDay: 60, misbehaviour: { personalMarkers: 1 }, files: { sharedFileRate: 0.6 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-retention-'));
  old = sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), CUTOFF);
  recent = sim.expectedSessionIds(CUTOFF, new Date('2026-05-05T22:00:00Z'));
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (extra: Record<string, string> = {}) => testConfig(pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir, ...extra }));
const RETENTION = { RAW_RETENTION: `${RETENTION_DAYS}d`, REJECTS_RETENTION: '90d' };

async function plantReject(marker: string, ageMs: number): Promise<void> {
  await db.knex.raw(`INSERT INTO etl.rejects (reject_key, session_id, reason, raw_text, rejected_at) VALUES (md5(?), NULL, 'bad_created: test', ?, ?)`, [
    marker,
    JSON.stringify({ guest: { callParams: { oo1_guest_email: `${marker}@example.cz` } } }),
    new Date(AFTER_TEST_RANGES.getTime() - ageMs),
  ]);
}

describe('RAW_RETENTION and REJECTS_RETENTION', () => {
  let before: Awaited<ReturnType<typeof factsChecksums>>;

  it('removes the personal data of the sessions past RAW_RETENTION from the whole warehouse and the files folder, and nothing else', async () => {
    expect((await runCommand(backfillCommand, config(), { from: '2026-05-04', to: '2026-05-06' })).code).toBe(0);
    expect(old.length).toBeGreaterThan(15);
    expect(recent.length).toBeGreaterThan(15);
    const storedOld = Number((await db.knex.raw(`SELECT count(*) AS n FROM core.file_downloads WHERE state = 'stored' AND session_id = ANY(?::bigint[])`, [old])).rows[0].n);
    expect(storedOld).toBeGreaterThan(3);
    expect(markersIn((await warehouseDump(db)).text, [...old, ...recent])).toEqual([...old, ...recent]);
    await plantReject('pii-900000001-reject', 2 * DAY_MS);
    await plantReject('pii-900000002-reject', 100 * DAY_MS);
    // Set aside after the pass began (by its own run): kept until the next one.
    await plantReject('pii-900000003-reject', -60_000);
    before = await factsChecksums(db.knex);

    const r = await runCommand(privacyCommand, config(RETENTION), { args: ['sweep'] });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(new RegExp(`retention: ${old.length} session\\(s\\) past RAW_RETENTION without personal data now, 1 reject\\(s\\) deleted, 1 trimmed`));

    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, old)).toEqual([]);
    expect(markersIn(dump, recent)).toEqual(recent);
    expect(markersIn(dump, [900000001, 900000002, 900000003])).toEqual([900000003]);
    const files = await filesText(dir);
    expect(markersIn(files, old)).toEqual([]);
    expect(markersIn(files, recent).length).toBeGreaterThan(3);
    // The copies stay for FILES_RETENTION, without their names.
    const kept = await db.knex.raw(`SELECT stored_path FROM core.file_downloads WHERE state = 'stored' AND session_id = ANY(?::bigint[])`, [old]);
    expect(kept.rows.length).toBe(storedOld);
    for (const k of kept.rows as Array<{ stored_path: string }>) expect(k.stored_path).toMatch(/\/(recording|file)-\d+-file(\.\w+)?$/);
    const names = await db.knex.raw(`SELECT DISTINCT name FROM reporting.session_files WHERE session_id = ANY(?::bigint[]) AND state = 'stored'`, [old]);
    expect((names.rows as Array<{ name: string }>).filter((n) => !/^file(\.\w+)?$/.test(n.name))).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);

    const erasures = await db.knex.raw(`SELECT why, what, status, sessions, rejects FROM etl.erasures WHERE why = 'retention' ORDER BY erasure_id`);
    expect(erasures.rows).toEqual([
      { why: 'retention', what: 'sessions', status: 'done', sessions: old.length, rejects: 0 },
      { why: 'retention', what: 'rejects', status: 'done', sessions: 0, rejects: 2 },
    ]);
  });

  it('lets reprocess rebuild those sessions to the same numbers, and says why it can', async () => {
    const r = await runCommand(reprocessCommand, config(RETENTION), { force: true });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(new RegExp(`reprocess: ${old.length} of these session\\(s\\) had their personal data removed .*rebuilt to the same numbers`));
    expect(await factsChecksums(db.knex)).toEqual(before);
    expect(markersIn((await warehouseDump(db)).text, old)).toEqual([]);
  });

  it('keeps it out when those sessions are loaded again, and a second pass has nothing to do', async () => {
    expect((await runCommand(backfillCommand, config(RETENTION), { from: '2026-05-04', to: '2026-05-06', force: true })).code).toBe(0);
    expect(markersIn((await warehouseDump(db)).text, old)).toEqual([]);
    const again = await runCommand(privacyCommand, config(RETENTION), { args: ['sweep'] });
    expect(again.output).toMatch(/retention: 0 session\(s\) past RAW_RETENTION without personal data now, 0 reject\(s\) deleted, 0 trimmed/);
    expect(markersIn(await filesText(dir), old)).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);
  });
});

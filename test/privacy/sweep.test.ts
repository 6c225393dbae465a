/**
 * What mluvii anonymizes, the warehouse anonymizes (docs/privacy.md): sessions anonymized at the
 * simulator — automatically after some days on its clock, and on request through its API — lose
 * every planted personal string from a pg_dump of the warehouse and from the files folder, their
 * files are `deleted (anonymized)`, while every duration fact and KPI row stays as it was; later
 * loads keep them that way. An API that refuses the filter leaves the load alone and makes
 * `status` and `doctor` say so.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import got from 'got';
import { backfillCommand } from '../../src/commands/backfill.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import { privacyCommand } from '../../src/commands/privacy.js';
import { runCommand as nightlyCommand } from '../../src/commands/run.js';
import { statusCommand } from '../../src/commands/status.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { factsChecksums, filesText, markersIn, warehouseDump } from '../helpers/privacy.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const DAY_MS = 86_400_000;
const FROM = '2026-05-04';
const TO = '2026-05-06';
/** Sessions created before this (the first day, in Prague) are anonymized automatically by AFTER_TEST_RANGES. */
const AUTO_BEFORE = new Date('2026-05-04T12:00:00Z');

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;
let all: number[];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 31, sessionsPerDay: 60, misbehaviour: { personalMarkers: 1 }, files: { sharedFileRate: 0.6 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-sweep-'));
  all = sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-05T22:00:00Z'));
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () => testConfig(pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir }));

/** `POST /api/v1/Sessions/{id}/anonymize`, an hour before the clock the commands run at (an anonymization is not listed before it happened). */
async function anonymizeThroughApi(id: number): Promise<number> {
  sim.setNow(clockAt(new Date(AFTER_TEST_RANGES.getTime() - 3_600_000)));
  try {
    const token = await got.post(`${sim.url}/login/connect/token`, { form: { grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret } }).json<{ access_token: string }>();
    const res = await got.post(`${sim.url}/api/v1/Sessions/${id}/anonymize`, { headers: { authorization: `Bearer ${token.access_token}` }, throwHttpErrors: false });
    return res.statusCode;
  } finally {
    sim.setNow(clockAt(AFTER_TEST_RANGES));
  }
}

describe('the sweep of sessions anonymized at mluvii', () => {
  let before: Awaited<ReturnType<typeof factsChecksums>>;
  let anonymized: number[];

  it('loads sessions whose planted personal strings are all in the dump and the files folder', async () => {
    expect((await runCommand(backfillCommand, config(), { from: FROM, to: TO })).code).toBe(0);
    expect(all.length).toBeGreaterThan(60);
    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, all)).toEqual(all);
    expect(markersIn(await filesText(dir), all).length).toBeGreaterThan(10);
    before = await factsChecksums(db.knex);
  });

  it('removes them for the sessions mluvii anonymized (on its clock, and on request through its API), and only for those', async () => {
    const late = all.filter((id) => !sim.sessionDetail(id)?.session.created || Date.parse(String(sim.sessionDetail(id)?.session.created)) >= AUTO_BEFORE.getTime());
    const asked = late.slice(0, 3);
    for (const id of asked) expect(await anonymizeThroughApi(id)).toBe(200);
    expect(await anonymizeThroughApi(999_999_999_999)).toBe(404);
    sim.setAnonymizeAfterDays((AFTER_TEST_RANGES.getTime() - AUTO_BEFORE.getTime()) / DAY_MS);
    anonymized = [...all.filter((id) => !late.includes(id)), ...asked];
    expect(anonymized.length).toBeGreaterThan(20);
    const kept = all.filter((id) => !anonymized.includes(id));

    const swept = await runCommand(privacyCommand, config(), { args: ['sweep'] });
    expect(swept.output).toMatch(new RegExp(`privacy: ${anonymized.length} session\\(s\\) anonymized at mluvii swept`));
    expect(swept.code).toBe(0);

    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, anonymized)).toEqual([]);
    expect(markersIn(dump, kept)).toEqual(kept);
    const files = await filesText(dir);
    expect(markersIn(files, anonymized)).toEqual([]);
    expect(markersIn(files, kept).length).toBeGreaterThan(5);
    expect(await factsChecksums(db.knex)).toEqual(before);

    const rows = await db.knex.raw(
      `SELECT d.state, d.reason, d.stored_path FROM core.file_downloads d JOIN core.session_files f USING (session_id, file_key) WHERE f.session_id = ANY(?::bigint[])`,
      [anonymized],
    );
    expect(rows.rows.length).toBeGreaterThan(3);
    expect(rows.rows.every((r: { state: string; reason: string; stored_path: string | null }) => r.state === 'deleted' && r.reason === 'anonymized' && r.stored_path === null)).toBe(true);
    const view = await db.knex.raw(`SELECT DISTINCT state, deleted_reason FROM reporting.session_files WHERE session_id = ANY(?::bigint[])`, [anonymized]);
    expect(view.rows).toEqual([{ state: 'deleted', deleted_reason: 'anonymized' }]);
    const erasure = await db.knex.raw(`SELECT why, what, status, sessions, files FROM etl.erasures WHERE why = 'anonymized' AND sessions > 0`);
    expect(erasure.rows).toEqual([{ why: 'anonymized', what: 'sessions', status: 'done', sessions: anonymized.length, files: rows.rows.length }]);
  });

  it('keeps them out when the sessions are loaded again, and a second sweep finds nothing left to do', async () => {
    expect((await runCommand(backfillCommand, config(), { from: FROM, to: TO, force: true })).code).toBe(0);
    const again = await runCommand(privacyCommand, config(), { args: ['sweep'] });
    expect(again.output).toMatch(/privacy: 0 session\(s\) anonymized at mluvii swept/);
    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, anonymized)).toEqual([]);
    expect(markersIn(await filesText(dir), anonymized)).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);
  });

  it('runs with every nightly run, after the load', async () => {
    const late = all.filter((id) => !anonymized.includes(id));
    expect(await anonymizeThroughApi(late[0])).toBe(200);
    const r = await runCommand(nightlyCommand, config(), { until: '2026-05-06T01:00:00Z' });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/privacy: 1 session\(s\) anonymized at mluvii swept/);
    expect(markersIn((await warehouseDump(db)).text, [late[0]])).toEqual([]);
  });
});

describe('an API that will not list anonymized sessions', () => {
  for (const answer of [400, 403, 'ignored'] as const) {
    it(`(${answer}) leaves the nightly load alone, and status and doctor say so loudly`, async () => {
      const own = await freshDatabase();
      const refusing = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 31, sessionsPerDay: 30, misbehaviour: { personalMarkers: 1, anonymizedFilter: answer }, anonymizeAfterDays: 1 });
      try {
        const cfg = testConfig(pipelineEnv(own, refusing));
        expect((await runCommand(backfillCommand, cfg, { from: FROM, to: '2026-05-05' })).code).toBe(0);
        const r = await runCommand(nightlyCommand, cfg, { until: '2026-05-05T06:00:00Z' });
        expect(r.code).toBe(0);
        expect(r.output).toMatch(/PRIVACY SWEEP COULD NOT RUN/);
        const loaded = Number((await own.knex.raw(`SELECT count(*) AS n FROM core.sessions`)).rows[0].n);
        expect(loaded).toBeGreaterThan(20);
        // Nothing was taken for anonymized: every planted string is still there.
        expect(markersIn((await warehouseDump(own)).text, refusing.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-04T22:00:00Z'))).length).toBeGreaterThan(10);
        const check = await runCommand(statusCommand, cfg, { check: true });
        expect(check.code).toBe(1);
        expect(check.output).toMatch(/PRIVACY SWEEP CANNOT RUN \(refused/);
        const status = await runCommand(statusCommand, cfg, {});
        expect(status.output.split('\n')[1]).toMatch(/^!!! PRIVACY SWEEP CANNOT RUN/);
        const doctor = await runCommand(doctorCommand, cfg, {});
        expect(doctor.output).toMatch(/^FAIL +anonymized +.*the privacy sweep cannot run/m);
      } finally {
        await refusing.stop();
        await own.drop();
      }
    });
  }
});

describe("mluvii's anonymized payload that has lost what the durations were computed from", () => {
  it('is not taken: the warehouse keeps its own copy without the personal data, and every fact stays', async () => {
    const own = await freshDatabase();
    const dropping = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 33, sessionsPerDay: 40, misbehaviour: { personalMarkers: 1, anonymizationDropsTimes: true } });
    try {
      const cfg = testConfig(pipelineEnv(own, dropping));
      expect((await runCommand(backfillCommand, cfg, { from: FROM, to: '2026-05-05' })).code).toBe(0);
      const ids = dropping.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-04T22:00:00Z'));
      const before = await factsChecksums(own.knex);
      dropping.setAnonymizeAfterDays(30);
      const r = await runCommand(privacyCommand, cfg, { args: ['sweep'] });
      expect(r.code).toBe(0);
      const kept = Number(/(\d+) kept our own copy/.exec(r.output)?.[1]);
      expect(kept).toBeGreaterThan(10);
      expect(r.output).toMatch(new RegExp(`privacy: ${ids.length} session\\(s\\) anonymized at mluvii swept`));
      expect(markersIn((await warehouseDump(own)).text, ids)).toEqual([]);
      expect(await factsChecksums(own.knex)).toEqual(before);
    } finally {
      await dropping.stop();
      await own.drop();
    }
  });
});

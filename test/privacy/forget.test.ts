/**
 * Erasure on request (docs/privacy.md): `forget --session`, `--guest <e-mail or phone>` (with
 * `--dry-run`) and `--operator` remove the planted personal strings of what they name from a
 * pg_dump of the whole warehouse and from the files folder, in one transaction per batch, leaving
 * every duration fact and KPI row as it was; later loads keep them out; a forget killed halfway
 * (SIGKILL of the real CLI) is finished by running it again, and copies a killed erasure left on
 * disk are deleted by the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillCommand } from '../../src/commands/backfill.js';
import { forgetCommand } from '../../src/commands/forget.js';
import { runCommand as nightlyCommand } from '../../src/commands/run.js';
import { statusCommand } from '../../src/commands/status.js';
import { OPERATOR_BY_ID } from '../../src/simulator/catalog.js';
import { personalMarkerEmail, personalMarkerPhone } from '../../src/simulator/personal-markers.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { childEnv } from '../helpers/cli.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { factsChecksums, filesText, markersIn, warehouseDump } from '../helpers/privacy.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;
let all: number[];

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 51, sessionsPerDay: 60, misbehaviour: { personalMarkers: 1 }, files: { sharedFileRate: 0.6 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-forget-'));
  all = sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-05T22:00:00Z'));
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () => testConfig(pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir }));
const storedFilesOf = async (id: number) =>
  Number((await db.knex.raw(`SELECT count(*) AS n FROM core.file_downloads WHERE session_id = ? AND state = 'stored'`, [id])).rows[0].n);

describe('forget', () => {
  let before: Awaited<ReturnType<typeof factsChecksums>>;
  const erased: number[] = [];
  const kept = () => all.filter((id) => !erased.includes(id));

  it('--session: those sessions lose their personal data in every table and on disk; their facts and KPIs stay', async () => {
    expect((await runCommand(backfillCommand, config(), { from: '2026-05-04', to: '2026-05-06' })).code).toBe(0);
    expect(markersIn((await warehouseDump(db)).text, all)).toEqual(all);
    before = await factsChecksums(db.knex);
    const withFiles: number[] = [];
    for (const id of all) if (withFiles.length < 2 && (await storedFilesOf(id)) > 0) withFiles.push(id);
    expect(withFiles).toHaveLength(2);
    // A reject of one of them that quotes the payload.
    await db.knex.raw(`INSERT INTO etl.rejects (reject_key, session_id, reason, raw_text) VALUES ('k1', ?, 'outside_window: test', ?)`, [withFiles[0], `{"text":"pii-${withFiles[0]}-rejected"}`]);

    const r = await runCommand(forgetCommand, config(), { session: [`${withFiles[0]},${withFiles[1]}`, '999999999'] });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/forget: 2 of the 3 session\(s\) asked for are stored here \(not stored: 999999999/);
    expect(r.output).toMatch(/forget: 2 session\(s\) erased \(their facts and KPIs stay\), \d+ file\(s\) deleted, 1 reject\(s\) trimmed/);
    erased.push(...withFiles);

    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, erased)).toEqual([]);
    expect(markersIn(dump, kept())).toEqual(kept());
    expect(markersIn(await filesText(dir), erased)).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);
    const rows = await db.knex.raw(`SELECT DISTINCT state, reason, stored_path FROM core.file_downloads WHERE session_id = ANY(?::bigint[])`, [erased]);
    expect(rows.rows).toEqual([{ state: 'deleted', reason: 'request', stored_path: null }]);
    const erasure = await db.knex.raw(`SELECT why, what, status, sessions FROM etl.erasures`);
    expect(erasure.rows).toEqual([{ why: 'request', what: 'sessions', status: 'done', sessions: 2 }]);
  });

  it('--guest <e-mail> --dry-run only counts; without it, the guest is gone', async () => {
    const guest = kept()[0];
    const dry = await runCommand(forgetCommand, config(), { guest: personalMarkerEmail(guest).toUpperCase(), dryRun: true });
    expect(dry.output).toMatch(/the guest's e-mail address appears in 1 stored session\(s\) and 0 reject\(s\)/);
    expect(dry.output).toMatch(/counted only; nothing was erased/);
    expect(markersIn((await warehouseDump(db)).text, [guest])).toEqual([guest]);

    const r = await runCommand(forgetCommand, config(), { guest: personalMarkerEmail(guest) });
    expect(r.code).toBe(0);
    expect(r.output).not.toContain(personalMarkerEmail(guest));
    erased.push(guest);
    expect(markersIn((await warehouseDump(db)).text, erased)).toEqual([]);
    expect(markersIn(await filesText(dir), erased)).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);
  });

  it('--guest <phone>: found whatever its prefix and separators', async () => {
    const guest = kept()[0];
    const digits = personalMarkerPhone(guest).replace(/\D/g, '');
    const written = `00${digits.slice(0, 3)} ${digits.slice(3, 6)}-${digits.slice(6, 9)}-${digits.slice(9)}`;
    const r = await runCommand(forgetCommand, config(), { guest: written });
    expect(r.output).toMatch(/the guest's phone number appears in 1 stored session\(s\)/);
    erased.push(guest);
    const dump = (await warehouseDump(db)).text;
    expect(markersIn(dump, erased)).toEqual([]);
    expect(dump.includes(digits)).toBe(false);
    expect(markersIn(dump, kept())).toEqual(kept());
    expect(await factsChecksums(db.knex)).toEqual(before);
    const nobody = await runCommand(forgetCommand, config(), { guest: 'nobody@example.cz' });
    expect(nobody.output).toMatch(/appears in 0 stored session\(s\)/);
  });

  it('keeps erased sessions out when they are loaded again, and their files are never downloaded again', async () => {
    expect((await runCommand(backfillCommand, config(), { from: '2026-05-04', to: '2026-05-06', force: true })).code).toBe(0);
    expect(markersIn((await warehouseDump(db)).text, erased)).toEqual([]);
    expect(markersIn(await filesText(dir), erased)).toEqual([]);
    expect(await factsChecksums(db.knex)).toEqual(before);
  });

  it('deletes first the copies a killed erasure left on disk (their rows still name them)', async () => {
    const victim = kept().find((id) => id !== undefined);
    let leftBehind: { session_id: number; stored_path: string } | undefined;
    for (const id of kept()) {
      const r = await db.knex.raw(`SELECT session_id, stored_path FROM core.file_downloads WHERE session_id = ? AND state = 'stored' LIMIT 1`, [id]);
      if (r.rows.length) {
        leftBehind = { session_id: Number(r.rows[0].session_id), stored_path: r.rows[0].stored_path };
        break;
      }
    }
    expect(victim).toBeDefined();
    if (!leftBehind) throw new Error('no stored copy to leave behind');
    // As an erasure killed after its commit and before the deletion leaves it.
    await db.knex.raw(`UPDATE core.file_downloads SET state = 'deleted', reason = 'request', sha256 = NULL WHERE session_id = ? AND state = 'stored'`, [leftBehind.session_id]);
    expect(existsSync(join(dir, leftBehind.stored_path))).toBe(true);
    const status = await runCommand(statusCommand, config(), { check: true });
    expect(status.output).toMatch(/copies of erased sessions are still on disk/);

    const other = kept().find((id) => id !== leftBehind?.session_id) as number;
    expect((await runCommand(forgetCommand, config(), { session: [String(other)] })).code).toBe(0);
    erased.push(other);
    expect(existsSync(join(dir, leftBehind.stored_path))).toBe(false);
    const rows = await db.knex.raw(`SELECT count(*) AS n FROM core.file_downloads WHERE session_id = ? AND stored_path IS NOT NULL`, [leftBehind.session_id]);
    expect(Number(rows.rows[0].n)).toBe(0);
  });

  it('--operator: their names become a pseudonym in every table, and stay so; their KPIs stay', async () => {
    const op = OPERATOR_BY_ID.get(26);
    if (!op) throw new Error('operator 26 is in the catalog');
    const involved = Number((await db.knex.raw(`SELECT count(*) AS n FROM core.session_operators WHERE user_id = ?`, [op.userId])).rows[0].n);
    expect(involved).toBeGreaterThan(0);
    const dumped = (await warehouseDump(db)).text;
    expect([op.userName, op.lastName].filter((n) => dumped.includes(n))).toEqual([op.userName, op.lastName]);
    const dailyBefore = await db.knex.raw(`SELECT day, sessions_handled, offers, missed, sum_active_s, sum_acw_s FROM reporting.operator_daily WHERE user_id = ? ORDER BY day`, [op.userId]);

    const r = await runCommand(forgetCommand, config(), { operator: String(op.userId) });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(new RegExp(`operator ${op.userId} is "operator ${op.userId}" now in \\d+ session\\(s\\)`));
    // The nightly run refreshes operator names from /Users, which still lists them: the pseudonym stays.
    expect((await runCommand(nightlyCommand, config(), { until: '2026-05-06T01:00:00Z' })).code).toBe(0);
    const dump = (await warehouseDump(db)).text;
    expect([op.userName, op.lastName, `operator ${op.userId}`].filter((n) => dump.includes(n))).toEqual([`operator ${op.userId}`]);
    expect(await factsChecksums(db.knex)).toEqual(before);
    const daily = await db.knex.raw(`SELECT day, sessions_handled, offers, missed, sum_active_s, sum_acw_s, operator_name FROM reporting.operator_daily WHERE user_id = ? ORDER BY day`, [op.userId]);
    expect(daily.rows.map(({ operator_name: _, ...rest }: Record<string, unknown>) => rest)).toEqual(dailyBefore.rows);
    expect(new Set(daily.rows.map((x: { operator_name: string }) => x.operator_name))).toEqual(new Set([`operator ${op.userId}`]));
  });

  it('refuses a request it cannot read, without repeating a guest value', async () => {
    await expect(runCommand(forgetCommand, config(), {})).rejects.toThrow(/exactly one of --session, --guest or --operator/);
    await expect(runCommand(forgetCommand, config(), { guest: 'jan.novak@', session: ['1'] })).rejects.toThrow(/exactly one/);
    await expect(runCommand(forgetCommand, config(), { guest: 'jan.novak@' })).rejects.toThrow(/^--guest: the value given is not an e-mail address/);
    await expect(runCommand(forgetCommand, config(), { guest: '12 34' })).rejects.toThrow(/fewer than 9 digits/);
    await expect(runCommand(forgetCommand, config(), { session: ['12x'] })).rejects.toThrow(/--session takes ids/);
    const runs = await db.knex.raw(`SELECT args::text FROM etl.runs WHERE kind = 'forget'`);
    for (const a of runs.rows as Array<{ args: string }>) expect(a.args).not.toMatch(/@|pii-|\d{9}/);
  });
});

describe('a forget killed halfway', () => {
  it('is finished by running it again: nothing erased twice, nothing left, facts as they were', async () => {
    const big = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 52, sessionsPerDay: 300, misbehaviour: { personalMarkers: 1 }, files: { sharedFileRate: 0.3 } });
    const own = await freshDatabase();
    const ownDir = mkdtempSync(join(tmpdir(), 'mluvii-forget-kill-'));
    try {
      const env = pipelineEnv(own, big, { MLUVII_FILES_DIR: ownDir, MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '8', LOG_LEVEL: 'warn' });
      expect((await runCommand(backfillCommand, testConfig(env), { from: '2026-05-04', to: '2026-05-06' })).code).toBe(0);
      const ids = big.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-05T22:00:00Z'));
      expect(ids.length).toBeGreaterThan(450);
      const before = await factsChecksums(own.knex);

      const killed = await new Promise<{ signal: string | null; done: number }>((resolve) => {
        const child = spawn(process.execPath, ['bin/mluvii-etl.js', 'forget', '--session', ids.join(',')], { env: childEnv(env), stdio: 'ignore' });
        let done = 0;
        let exited = false;
        child.on('exit', (_code, signal) => {
          exited = true;
          resolve({ signal, done });
        });
        void (async () => {
          // After the first batch committed, before the last: kill it.
          while (!exited) {
            const r = await own.knex.raw(`SELECT coalesce(max(sessions), 0) AS n FROM etl.erasures`).catch(() => ({ rows: [{ n: 0 }] }));
            done = Number(r.rows[0].n);
            if (done > 0) {
              child.kill('SIGKILL');
              return;
            }
            await new Promise((w) => setTimeout(w, 10));
          }
        })();
      });
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.done).toBeGreaterThan(0);
      expect(killed.done).toBeLessThan(ids.length);
      expect(markersIn((await warehouseDump(own)).text, ids).length).toBeGreaterThan(0);

      const again = await runCommand(forgetCommand, testConfig(env), { session: [ids.join(',')] });
      expect(again.code).toBe(0);
      expect(markersIn((await warehouseDump(own)).text, ids)).toEqual([]);
      expect(markersIn(await filesText(ownDir), ids)).toEqual([]);
      expect(await factsChecksums(own.knex)).toEqual(before);
      const erasures = await own.knex.raw(`SELECT status FROM etl.erasures ORDER BY erasure_id`);
      expect(erasures.rows).toEqual([{ status: 'failed' }, { status: 'done' }]);
    } finally {
      await big.stop();
      await own.drop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { runCli, runCliOnTerminal } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 9, sessionsPerDay: 60 });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const withPassword = (url: string, user: string, password: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
};

describe('operating the CLI', () => {
  it('a database nobody listens on: exit 2, one line naming DATABASE_URL without its password and the reason, no log line before it on a terminal', async () => {
    const url = 'postgres://etl:TopSecret-42@127.0.0.1:1/warehouse';
    const r = await runCli(['status'], { DATABASE_URL: url });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('DATABASE_URL=postgres://etl:***@127.0.0.1:1/warehouse');
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr).not.toContain('TopSecret-42');
    const t = await runCliOnTerminal(['run'], { DATABASE_URL: url, MLUVII_CLIENT_ID: 'x', MLUVII_CLIENT_SECRET: 'y' });
    expect(t.code).toBe(2);
    expect(t.output.trim()).toMatch(/^mluvii-etl: cannot use the database at DATABASE_URL=postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse: connection refused/);
  }, 60_000);

  it('a login the server refuses: exit 2 with the server\'s reason', async () => {
    const user = `mluvii_nobody_${randomBytes(4).toString('hex')}`;
    const r = await runCli(['migrate'], { DATABASE_URL: withPassword(db.url, user, 'pw-not-shown') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`DATABASE_URL=postgres://${user}:\\*\\*\\*@.*the server refused: .*${user}.*SQLSTATE 28`));
    expect(r.stderr).not.toContain('pw-not-shown');
    expect(r.stdout).toBe('');
  }, 60_000);

  it.each([
    ['2026-01-31T08:00:00', 'an instant without its offset'],
    ['Jan 5 2026', 'a free-form date'],
    ['2026-02-30', 'a day that does not exist'],
  ])('ETL_START=%s (%s) stops every command when settings load, exit 2 naming ETL_START', async (value) => {
    const r = await runCli(['status'], { DATABASE_URL: db.url, ETL_START: value });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mluvii-etl: ETL_START must be a date \(2026-01-31, a day in Europe\/Prague\) or an ISO instant with an offset/);
  }, 60_000);

  it('status on a database not migrated yet: says so (exit 0); --check fails with one line (exit 1)', async () => {
    const r = await runCli(['status'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no mluvii-etl tables yet: run `npx mluvii-etl migrate`/);
    const c = await runCli(['status', '--check'], { DATABASE_URL: db.url });
    expect(c.code).toBe(1);
    expect(c.stdout).toBe('FAIL: the database is not migrated (run `npx mluvii-etl migrate`)\n');
  }, 60_000);

  it('migrate says its result once, on a terminal too', async () => {
    const first = await runCliOnTerminal(['migrate'], { DATABASE_URL: db.url });
    expect(first.code).toBe(0);
    expect(first.output.match(/applied \d+ migration/g)).toHaveLength(1);
    expect(first.output).not.toMatch(/migrations applied/);
    const again = await runCliOnTerminal(['migrate'], { DATABASE_URL: db.url });
    expect(again.output.match(/already up to date/g)).toHaveLength(1);
  }, 60_000);

  it('on a terminal the progress bar never shows a NaN or infinite ETA; the summary line ends the output', async () => {
    const t = await runCliOnTerminal(['backfill', '--from', '2026-04-01', '--to', '2026-04-05'], { ...pipelineEnv(db, sim), MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '16' });
    expect(t.code).toBe(0);
    expect(t.output).toMatch(/backfill \[.*\] \d+\/4 windows/);
    expect(t.output).toMatch(/ETA /);
    expect(t.output).not.toMatch(/ETA (NULL|INF)|NaN|Infinity/);
    expect(t.output).toMatch(/ETA (…|\d+s|\d+m\d\ds)/);
    expect(t.output.trim().split('\n').pop()).toMatch(/^backfill succeeded in [\d.]+ s \(run \d+\): windows 4 loaded/);
  }, 120_000);

  it('reprocess prints its summary line on stdout when it is not a terminal', async () => {
    const r = await runCli(['reprocess'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^reprocess succeeded in [\d.]+ s \(run \d+\): sessions \d+ \(0 changed\), 0 rejected$/);
  }, 120_000);
});


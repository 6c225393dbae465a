import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { childEnv, runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let warehouse: TestDatabase;
let target: TestDatabase;
let cwd: string;

beforeAll(async () => {
  // The "real warehouse" DATABASE_URL points at: the demo must never write into it.
  [warehouse, target] = await Promise.all([freshDatabase({ migrate: false }), freshDatabase({ migrate: false })]);
  cwd = mkdtempSync(join(tmpdir(), 'mluvii-demo-'));
  chmodSync(cwd, 0o755); // initdb runs as the postgres user when we are root: it must enter the folder
  // .env set up as README says.
  writeFileSync(join(cwd, '.env'), `DATABASE_URL=${warehouse.url}\nREPORT_TZ=Europe/Prague\n`);
});
afterAll(async () => {
  await warehouse?.drop();
  await target?.drop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const untouched = async () => (await warehouse.knex.raw(`SELECT count(*) AS n FROM pg_namespace WHERE nspname IN ('etl', 'core', 'raw', 'reporting')`)).rows[0].n;

describe('demo never touches a warehouse', () => {
  it('--database-url: loads there, ignores DATABASE_URL, says which database it uses', async () => {
    const role = `mluvii_demo_${randomBytes(4).toString('hex')}`;
    const r = await runCli(['demo', '--days', '2', '--database-url', target.url], { DATABASE_URL: warehouse.url, REPORTING_ROLE: role });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Using the database given with --database-url');
    expect(r.stdout).toMatch(/Loaded \d+ sessions/);
    expect(r.stdout).toMatch(/Daily KPIs/);
    expect(Number(/Loaded (\d+) sessions/.exec(r.stdout)?.[1])).toBeGreaterThan(100);
    expect(r.stdout).toMatch(/psql "/); // the given database stays up after the demo
    expect(Number((await target.knex('core.sessions').count({ n: '*' }))[0].n)).toBeGreaterThan(100);
    expect((await target.knex.raw(`SELECT 1 FROM pg_roles WHERE rolname = ?`, [role])).rows).toHaveLength(1);
    expect(Number(await untouched())).toBe(0);
    await target.knex.raw(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
  }, 240_000);

  it('with .env pointing at a warehouse: its own embedded Postgres, no connection command once it has stopped', async () => {
    // The test's own settings file, as a user's (the tests' CLI children read none unless told).
    const r = await runCli(['demo', '--days', '1'], { MLUVII_ENV_FILE: join(cwd, '.env') }, { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/DATABASE_URL \(postgres:.*\) is ignored/);
    expect(r.stdout).toMatch(/Using the embedded Postgres at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/mluvii/);
    expect(r.stdout).toMatch(/Loaded \d+ sessions/);
    expect(r.stdout).not.toMatch(/psql "|Metabase \(docs/);
    expect(r.stdout).toMatch(/The embedded Postgres stops now/);
    expect(Number(await untouched())).toBe(0);
  }, 240_000);

  it('--keep-running: the reader role of docs/metabase.md can log in and read reporting (and nothing else) while it runs', async () => {
    const child = spawn(process.execPath, [`${process.cwd()}/bin/mluvii-etl.js`, 'demo', '--days', '1', '--keep-running'], {
      cwd,
      env: childEnv({ LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((res) => child.once('close', res));
    while (!out.includes('Staying up')) {
      if (child.exitCode !== null) throw new Error(`demo ended early:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const m = /Metabase \(docs\/metabase\.md\): host (\S+), port (\d+), database (\w+), user (\w+), password ([\w-]+), schema reporting/.exec(out);
    expect(m).not.toBeNull();
    const [, host, port, database, user, password] = m as RegExpExecArray;
    const reader = new pg.Client({ host, port: Number(port), database, user, password });
    await reader.connect();
    try {
      const kpis = await reader.query('SELECT count(*) AS n FROM reporting.daily_kpis');
      expect(Number(kpis.rows[0].n)).toBeGreaterThan(0);
      await expect(reader.query('SELECT 1 FROM core.sessions LIMIT 1')).rejects.toThrow(/permission denied/);
    } finally {
      await reader.end();
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const afterStop = out.slice(out.indexOf('Staying up'));
    expect(afterStop).not.toMatch(/psql "/);
    expect(Number(await untouched())).toBe(0);
  }, 240_000);
});

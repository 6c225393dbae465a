import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
});
afterAll(async () => db?.drop());

describe('demo', () => {
  it('runs end to end through the real CLI: simulator, migrate, backfill, KPIs read back from reporting', () => {
    const r = spawnSync(process.execPath, ['bin/mluvii-etl.js', 'demo', '--days', '2'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Loaded \d+ sessions/);
    expect(r.stdout).toMatch(/Daily KPIs/);
    expect(r.stdout).toMatch(/psql "/);
    const loaded = Number(/Loaded (\d+) sessions/.exec(r.stdout)?.[1]);
    expect(loaded).toBeGreaterThan(100);
  });
});

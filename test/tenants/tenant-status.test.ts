/**
 * Issue "Several tenants, many workers": `status` and `doctor` show every tenant without
 * `--tenant` and one with it; `status --check` fails when any enabled tenant's nightly fell
 * behind, and names it. The clock is pinned: the runs' finish times are set relative to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import { statusCommand } from '../../src/commands/status.js';
import { tenantsCommand } from '../../src/commands/tenants.js';
import type { Config } from '../../src/config.js';
import type { StatusReport } from '../../src/pipeline/status-report.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-06-10T08:00:00Z');
let db: TestDatabase;
let simA: RunningSimulator;
let simB: RunningSimulator;
let config: Config;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase();
  simA = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 12, sessionsPerDay: 40 });
  simB = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 12, sessionsPerDay: 40, clientSecret: 'acme-status-secret' });
  config = testConfig(pipelineEnv(db, simA, { REPORT_TZ: 'Europe/Prague' }));
  dir = mkdtempSync(join(tmpdir(), 'mluvii-tenant-status-'));
  writeFileSync(join(dir, 'secret'), simB.clientSecret);
  const add = { args: ['add', 'acme'], baseUrl: simB.url, clientId: simB.clientId, secretFrom: `file:${join(dir, 'secret')}`, reportTz: 'Asia/Tokyo' };
  expect((await runCommand(tenantsCommand, config, add)).code).toBe(0);
  for (const tenant of [undefined, 'acme']) {
    expect((await runCommand(backfillCommand, config, { from: '2026-06-01', to: '2026-06-03', tenant }, NOW)).code).toBe(0);
  }
});
afterAll(async () => {
  await simA?.stop();
  await simB?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The last successful load of each tenant, `hoursAgo` before the pinned clock. */
async function lastLoadedAgo(hoursAgo: Record<string, number>): Promise<void> {
  for (const [tenant, hours] of Object.entries(hoursAgo)) {
    await db.knex('etl.runs').where({ tenant }).update({ finished_at: new Date(NOW.getTime() - hours * HOUR) });
  }
}

describe('status of several tenants', () => {
  it('shows every tenant, each in its own REPORT_TZ, and one with --tenant', async () => {
    await lastLoadedAgo({ default: 2, acme: 3 });
    const all = await runCommand(statusCommand, config, {}, NOW);
    expect(all.code).toBe(0);
    expect(all.output).toContain("== Tenant acme (registered) ==");
    expect(all.output).toContain("== Tenant default (the environment's) ==");
    expect(all.output).toMatch(/== Tenant acme[^]*days in Asia\/Tokyo[^]*2026-06-01 → 2026-06-03 {2}\(2 days\)[^]*== Tenant default[^]*days in Europe\/Prague/);
    expect(all.output.trim().split('\n').at(-1)).toMatch(/^OK: 2 tenant\(s\); acme: last successful run\/backfill .*; default: last successful/);

    const one = await runCommand(statusCommand, config, { tenant: 'acme', json: true }, NOW);
    const report = JSON.parse(one.output) as StatusReport;
    expect(report).toMatchObject({ tenant: 'acme', reportTz: 'Asia/Tokyo', coverage: [{ from: '2026-06-01', to: '2026-06-03' }] });
    expect(report.lastRuns.backfill).toMatchObject({ kind: 'backfill', status: 'succeeded' });
    const both = JSON.parse((await runCommand(statusCommand, config, { json: true }, NOW)).output);
    expect(both.tenants.map((t: StatusReport) => [t.tenant, t.reportTz])).toEqual([['acme', 'Asia/Tokyo'], ['default', 'Europe/Prague']]);
  }, 60_000);

  it('--check fails when one tenant\'s nightly fell behind, naming it; passes for the other, and leaves a disabled tenant out', async () => {
    await lastLoadedAgo({ default: 2, acme: 50 });
    const check = await runCommand(statusCommand, config, { check: true }, NOW);
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/^FAIL: tenant acme: no run or backfill has succeeded for 50 h \(last [^)]+; limit 36 h\)$/);
    expect(check.output).not.toContain('tenant default');
    expect(await runCommand(statusCommand, config, { check: true, tenant: 'default' }, NOW)).toMatchObject({ code: 0, output: expect.stringMatching(/^OK: /) });
    expect((await runCommand(statusCommand, config, { check: true, tenant: 'acme' }, NOW)).code).toBe(1);

    expect((await runCommand(tenantsCommand, config, { args: ['disable', 'acme'] })).code).toBe(0);
    try {
      expect((await runCommand(statusCommand, config, { check: true }, NOW)).code).toBe(0);
      expect((await runCommand(statusCommand, config, {}, NOW)).output).toContain('== Tenant acme (registered; disabled: not loaded, not checked) ==');
    } finally {
      expect((await runCommand(tenantsCommand, config, { args: ['enable', 'acme'] })).code).toBe(0);
    }
  }, 60_000);
});

describe('doctor of several tenants', () => {
  it('--tenant checks that tenant\'s API alone, with its own settings; without it, every tenant\'s', async () => {
    simA.resetStats();
    simB.resetStats();
    const one = await runCommand(doctorCommand, config, { tenant: 'acme' }, NOW);
    expect(one.output).toContain(`mluvii-etl doctor: tenant acme: API ${simB.url}, days in Asia/Tokyo`);
    expect(one.output).toMatch(/ok\s+token\s+obtained/);
    expect(one.code).toBe(0);
    expect(simA.stats().total).toBe(0);
    expect(simB.stats().total).toBeGreaterThan(0);

    const all = await runCommand(doctorCommand, config, {}, NOW);
    expect(all.output).toContain(`mluvii-etl doctor: tenant acme: API ${simB.url}, days in Asia/Tokyo`);
    expect(all.output).toContain(`mluvii-etl doctor: tenant default: API ${simA.url}, days in Europe/Prague`);
    expect(all.output).toContain('mluvii-etl doctor: the warehouse');
    expect(all.code).toBe(0);
    expect(simA.stats().total).toBeGreaterThan(0);
  }, 120_000);

  it("fails a tenant whose secret cannot be read, saying where it looked", async () => {
    rmSync(join(dir, 'secret'));
    try {
      const r = await runCommand(doctorCommand, config, {}, NOW);
      expect(r.code).toBe(1);
      expect(r.output).toMatch(new RegExp(`FAIL\\s+token\\s+tenant acme: cannot read its API secret from file:${join(dir, 'secret').replace(/[/.]/g, '\\$&')} \\(ENOENT\\)`));
    } finally {
      writeFileSync(join(dir, 'secret'), simB.clientSecret);
    }
  }, 60_000);
});

/**
 * Issue "Several tenants, many workers": `tenants add | list | disable | enable` and `--tenant`,
 * run as the real CLI. A tenant's API secret is never stored, only where to read it; every
 * malformed argument is named; a disabled or unknown tenant is refused with what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { cli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const SECRET = 'acme-Secret-3b9e7d';
let db: TestDatabase;
let sim: RunningSimulator;
let base: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 3, sessionsPerDay: 30, clientId: 'acme-api', clientSecret: SECRET });
  base = { DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const addArgs = (name: string, extra: string[] = []) => ['tenants', 'add', name, '--base-url', sim.url, '--client-id', sim.clientId, '--secret-from', 'env:ACME_API_SECRET', ...extra];

/** How many rows of every raw, core and etl table hold `text` anywhere. */
async function rowsHolding(text: string): Promise<number> {
  const { rows } = await db.knex.raw(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('raw', 'core', 'etl') AND table_type = 'BASE TABLE'`);
  let n = 0;
  for (const { t } of rows as Array<{ t: string }>) n += Number((await db.knex.raw(`SELECT count(*) AS n FROM ${t} x WHERE x::text LIKE ?`, [`%${text}%`])).rows[0].n);
  return n;
}

describe('tenants add', () => {
  it('registers a tenant with its own settings and the secret only as where to read it; the tenant then loads with it', async () => {
    const r = await cli(addArgs('acme', ['--report-tz', 'Asia/Tokyo', '--rps', '500', '--schedule', '03:30']), { ...base, ACME_API_SECRET: SECRET });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toContain(`tenant acme added: API ${sim.url}, client id acme-api, secret read from env:ACME_API_SECRET when it runs (not stored), MLUVII_RPS=500, REPORT_TZ=Asia/Tokyo`);
    expect(r.out + r.err).not.toContain(SECRET);
    expect((await db.knex('etl.tenants').where({ name: 'acme' }).first()).settings).toEqual({
      base_url: sim.url, client_id: 'acme-api', secret_from: 'env:ACME_API_SECRET', rps: '500', report_tz: 'Asia/Tokyo', schedule: '03:30',
    });

    const b = await cli(['backfill', '--tenant', 'acme', '--from', '2026-05-04', '--to', '2026-05-05'], { ...base, ACME_API_SECRET: SECRET, LOG_LEVEL: 'debug' });
    expect(b.code).toBe(0);
    expect(b.err).toContain('"kind":"backfill"'); // it logged, and
    expect(b.out + b.err).not.toContain(SECRET); // never the tenant's secret
    expect(Number((await db.knex('core.sessions').where({ tenant: 'acme' }).count({ n: '*' }))[0].n)).toBeGreaterThan(10);
    // A date is a day in the tenant's REPORT_TZ: Tokyo's 4 May.
    expect((await db.knex('etl.windows').where({ tenant: 'acme' }).first()).window_start.toISOString()).toBe('2026-05-03T15:00:00.000Z');
    expect(await rowsHolding(SECRET)).toBe(0);
  }, 120_000);

  it('without the secret where the tenant says: exit 2 naming the tenant and where it looked, never a stack trace', async () => {
    const r = await cli(['run', '--tenant', 'acme'], base);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('mluvii-etl: tenant acme: its API secret is read from env:ACME_API_SECRET, but ACME_API_SECRET is not set in this process');
  });

  it('names every bad argument, and never repeats a value given where the secret\'s address belongs', async () => {
    const cases: Array<[string[], string]> = [
      [addArgs('acme2').map((a) => (a === 'env:ACME_API_SECRET' ? 'hunter2-typed-here' : a)), '--secret-from must say where the secret is read from, env:VARIABLE or file:PATH'],
      [addArgs('acme2', ['--rps', 'fast']), '--rps (the tenant\'s MLUVII_RPS): MLUVII_RPS must be a positive number, got "fast"'],
      [addArgs('acme2', ['--report-tz', 'Mars/Olympus']), '--report-tz (the tenant\'s REPORT_TZ): REPORT_TZ must be an IANA time zone'],
      [addArgs('acme2', ['--schedule', '25:00']), '--schedule must be a time of day HH:MM'],
      [addArgs('Acme'), 'the tenant name must be a lower-case name'],
      [addArgs('default'), "default is the environment's tenant"],
      [['tenants', 'add', 'acme2', '--client-id', 'x', '--secret-from', 'env:X'], 'tenants add needs --base-url'],
      [['tenants', 'list', '--rps', '3'], '--rps belong(s) to `tenants add`'],
      [['run', '--tenant', 'nosuch'], '--tenant nosuch: no such tenant in this warehouse (known: acme, default)'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, base);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
      expect(r.err).not.toContain('hunter2-typed-here');
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect(await db.knex('etl.tenants').where({ name: 'acme2' }).first()).toBeUndefined();
  }, 120_000);

  it('refuses MLUVII_TENANT naming a registered tenant: its settings are the registry\'s', async () => {
    const r = await cli(['reprocess'], { ...base, MLUVII_TENANT: 'acme' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('MLUVII_TENANT=acme names a tenant registered with `tenants add`');
  });
});

describe('tenants list, disable, enable', () => {
  it('lists every tenant with its settings and the secret as a reference', async () => {
    const r = await cli(['tenants', 'list'], base);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/acme\s+registry\s+yes\s+http:\/\/127\.0\.0\.1:\d+\s+acme-api\s+env:ACME_API_SECRET\s+500\s+Asia\/Tokyo\s+03:30/);
    expect(r.out).toMatch(/default\s+environment\s+yes/);
    const json = JSON.parse((await cli(['tenants', 'list', '--json'], base)).out);
    expect(json.tenants.map((t: { name: string }) => t.name)).toEqual(['acme', 'default']);
  });

  it('a disabled tenant is not loaded, by any command, until it is enabled again', async () => {
    expect((await cli(['tenants', 'disable', 'acme'], base)).code).toBe(0);
    const r = await cli(['backfill', '--tenant', 'acme', '--from', '2026-05-05', '--to', '2026-05-06'], { ...base, ACME_API_SECRET: SECRET });
    expect(r.code).toBe(2);
    expect(r.err).toContain('tenant acme is disabled (`tenants disable`); `tenants enable acme` turns it on again');
    expect((await cli(['tenants', 'enable', 'acme'], base)).code).toBe(0);
    expect((await cli(['tenants', 'disable', 'nosuch'], base)).err).toContain('no tenant nosuch in this warehouse');
  }, 60_000);
});

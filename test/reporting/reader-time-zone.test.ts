/**
 * The reader role's session runs in REPORT_TZ (issue #16): a BI tool that groups instants by hour
 * or day itself gets the same buckets as the views' created_hour, created_day and interval
 * columns, on both DST changes, and the role follows a changed REPORT_TZ.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateCommand } from '../../src/commands/migrate.js';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { syncReaderTimeZone } from '../../src/admin/reader-role.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { runCommand, testConfig } from '../helpers/warehouse.js';
import { insertSessions, type SessionSpec } from './core-rows.js';
import { readerConnection, type ReaderConnection } from './reader.js';

let db: TestDatabase;
let readers: ReaderConnection;

/** One session every 7 min 13.5 s from `from` to `to`: lands on every minute and hour boundary's neighbourhood. */
function sessionsBetween(firstId: number, from: string, to: string): SessionSpec[] {
  const out: SessionSpec[] = [];
  for (let t = Date.parse(from), id = firstId; t < Date.parse(to); t += 433_500, id++) {
    const created = new Date(t).toISOString();
    out.push({ id, created, queued: new Date(t + 2_000).toISOString(), accepted: id % 3 !== 0 });
  }
  return out;
}

const SESSIONS: SessionSpec[] = [
  // Europe/Prague: CET → CEST on 2026-03-29 at 02:00 local (01:00Z), CEST → CET on 2026-10-25 at 03:00 local (01:00Z)
  ...sessionsBetween(1, '2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z'),
  ...sessionsBetween(1_000, '2026-10-24T20:00:00Z', '2026-10-25T04:00:00Z'),
  // America/New_York: EDT → EST on 2026-11-01 at 02:00 local (06:00Z)
  ...sessionsBetween(2_000, '2026-11-01T02:00:00Z', '2026-11-01T09:00:00Z'),
  // the last and first instants of local days
  { id: 3_001, created: '2026-10-25T22:59:59.999Z' },
  { id: 3_002, created: '2026-10-25T23:00:00Z' },
];

const MISMATCHES = `
  SELECT count(*)::int AS sessions,
         count(*) FILTER (WHERE extract(hour FROM date_trunc('hour', created_at)) <> created_hour)::int AS hour_differs,
         count(*) FILTER (WHERE date_trunc('day', created_at)::date <> created_day
                             OR created_at::date <> created_day)::int AS day_differs,
         count(*) FILTER (WHERE interval_start IS NOT NULL
                            AND (date_trunc('hour', queue_entered_at) <> date_trunc('hour', interval_start)
                                 OR queue_entered_at < interval_start
                                 OR queue_entered_at >= interval_start + interval '15 minutes'))::int AS interval_differs
    FROM reporting.session_durations`;

async function mismatches(reader: Knex): Promise<Record<string, number>> {
  return (await reader.raw(MISMATCHES)).rows[0];
}

beforeAll(async () => {
  db = await freshDatabase();
  await syncReportingSettings(db.knex, { reportTz: 'Europe/Prague', serviceLevelSeconds: 20 });
  await insertSessions(db.knex, SESSIONS);
  await refreshReportingSummaries(db.knex, { from: '2026-03-01', to: '2026-12-01' });
  readers = await readerConnection(db); // ensureReaderRole, as migrate runs it
});
afterAll(async () => {
  await readers?.close();
  await db?.drop();
});

describe('the reader role\'s time zone (REPORT_TZ)', () => {
  it('is REPORT_TZ in this database, so date_trunc of created_at agrees with created_hour and created_day for every session across DST', async () => {
    const reader = readers.connect();
    expect((await reader.raw('SHOW timezone')).rows[0].TimeZone).toBe('Europe/Prague');
    expect(await mismatches(reader)).toEqual({ sessions: SESSIONS.length, hour_differs: 0, day_differs: 0, interval_differs: 0 });
  });

  it('is what makes them agree: in the server\'s zone (UTC) they do not', async () => {
    const reader = readers.connect();
    await reader.raw(`SET timezone = 'UTC'`);
    const m = await mismatches(reader);
    expect(m.hour_differs).toBeGreaterThan(SESSIONS.length / 2);
    expect(m.day_differs).toBeGreaterThan(0);
  });

  it('shows interval_start in REPORT_TZ: the repeated hour of 2026-10-25 as two intervals at 02:15, +02 and +01', async () => {
    const reader = readers.connect();
    const { rows } = await reader.raw(
      `SELECT interval_start::text AS start, interval_time::text AS time, offered FROM reporting.interval_kpis
        WHERE interval_day = '2026-10-25' AND interval_time = '02:15' ORDER BY interval_start`,
    );
    expect(rows.map((r: { start: string; time: string }) => [r.start, r.time])).toEqual([
      ['2026-10-25 02:15:00+02', '02:15:00'],
      ['2026-10-25 02:15:00+01', '02:15:00'],
    ]);
  });

  it('follows a changed REPORT_TZ on the next sync, and is left alone when nothing changed', async () => {
    const ny = { reportTz: 'America/New_York', serviceLevelSeconds: 20, reportingRole: readers.role };
    expect(await syncReportingSettings(db.knex, ny)).toEqual({ changed: true, readerTimeZone: 'set' });
    expect(await syncReportingSettings(db.knex, ny)).toEqual({ changed: false, readerTimeZone: 'unchanged' });
    const reader = readers.connect(); // a new session: role settings apply at login
    expect((await reader.raw('SHOW timezone')).rows[0].TimeZone).toBe('America/New_York');
    expect(await mismatches(reader)).toEqual({ sessions: SESSIONS.length, hour_differs: 0, day_differs: 0, interval_differs: 0 });
    // the KPI views were rebuilt in the new zone: their days agree with the reader's own grouping
    const { rows } = await reader.raw(`
      SELECT (SELECT count(*) FROM reporting.session_durations s WHERE s.created_at::date = k.day)::int AS by_reader, k.sessions AS by_view
        FROM (SELECT day, sum(sessions)::int AS sessions FROM reporting.daily_kpis GROUP BY day) k`);
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) expect(r.by_reader).toBe(r.by_view);

    await syncReportingSettings(db.knex, { ...ny, reportTz: 'Europe/Prague' });
    expect((await readers.connect().raw('SHOW timezone')).rows[0].TimeZone).toBe('Europe/Prague');
  });

  it('is set in this database only: the role has no time zone elsewhere', async () => {
    const { rows } = await db.knex.raw(
      `SELECT d.datname, s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
         LEFT JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = ?`,
      [readers.role],
    );
    expect(rows).toEqual([{ datname: (await db.knex.raw('SELECT current_database() AS d')).rows[0].d, setconfig: ['TimeZone=Europe/Prague'] }]);
  });

  it('is set by `migrate` for REPORTING_ROLE, and moved by the next `migrate` with another REPORT_TZ', async () => {
    const role = `mluvii_reader_m_${randomBytes(5).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const env = { DATABASE_URL: db.url, REPORTING_ROLE: role, REPORTING_ROLE_PASSWORD: password };
    const login = () => {
      const u = new URL(db.url);
      u.username = role;
      u.password = password;
      return createKnex(u.toString(), { max: 1 });
    };
    try {
      for (const tz of ['Asia/Tokyo', 'Europe/Prague']) {
        expect((await runCommand(migrateCommand, testConfig({ ...env, REPORT_TZ: tz }))).code).toBe(0);
        const reader = login();
        try {
          expect((await reader.raw('SHOW timezone')).rows[0].TimeZone).toBe(tz);
          expect(await mismatches(reader)).toEqual({ sessions: SESSIONS.length, hour_differs: 0, day_differs: 0, interval_differs: 0 });
        } finally {
          await reader.destroy();
        }
      }
    } finally {
      await db.knex.raw(`DROP OWNED BY "${role}"`).catch(() => undefined);
      await db.knex.raw(`DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('without the right to alter the role: reports it to a sync, and tells migrate\'s caller the fix', async () => {
    const etl = `mluvii_etl_t_${randomBytes(5).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await db.knex.raw(`CREATE ROLE "${etl}" LOGIN PASSWORD '${password}' NOCREATEROLE`);
    await db.knex.raw(`GRANT USAGE ON SCHEMA etl TO "${etl}"; GRANT SELECT ON etl.settings TO "${etl}"`);
    // Not the owner: row-level security shows it the settings only as a reader of every tenant.
    await db.knex.raw(`INSERT INTO etl.tenant_readers (role) VALUES (?)`, [etl]);
    await db.knex.raw(`UPDATE etl.settings SET report_tz = 'Asia/Tokyo'`); // out of step with the role
    const u = new URL(db.url);
    u.username = etl;
    u.password = password;
    const weak = createKnex(u.toString(), { max: 1, tenant: 'default' });
    try {
      expect(await weak.transaction((trx) => syncReaderTimeZone(trx, readers.role))).toBe('not-permitted');
      await expect(weak.transaction((trx) => syncReaderTimeZone(trx, readers.role, { ifNotPermitted: 'throw' }))).rejects.toMatchObject({
        variable: 'REPORTING_ROLE',
        message: expect.stringContaining(`ALTER ROLE "${readers.role}" IN DATABASE`),
      });
      expect(await weak.transaction((trx) => syncReaderTimeZone(trx, 'no_such_role_here'))).toBe('no-role');
    } finally {
      await weak.destroy();
      await db.knex.raw(`UPDATE etl.settings SET report_tz = 'Europe/Prague'`);
      await db.knex.raw(`DROP OWNED BY "${etl}"`);
      await db.knex.raw(`DROP ROLE "${etl}"`);
      await db.knex.raw(`DELETE FROM etl.tenant_readers WHERE role = ?`, [etl]);
    }
  });
});

/**
 * reporting.today_kpis: today so far in the tenant's REPORT_TZ (not UTC), the current 15-minute
 * interval, and how fresh the rows are; read as the reader role on a hand-built fixture, with
 * "now" pinned by mluvii.as_of on either side of the tenant's midnight (never the real date).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from '../../src/db/knex.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { recordHintLoad } from '../../src/load/hint-loads.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertSessions, type SessionSpec } from './core-rows.js';
import { readerConnection, type ReaderConnection } from './reader.js';

// New York is UTC−5 in November: the tenant's 2026-11-17 runs from 05:00Z on the 17th to 05:00Z on the 18th.
const SETTINGS = { reportTz: 'America/New_York', serviceLevelSeconds: 20, shortAbandonSeconds: 5 };
const SESSIONS: SessionSpec[] = [
  // 23:30 on the 16th in New York (the 17th in UTC): yesterday's
  { id: 1, created: '2026-11-17T04:30:00Z', accepted: true, answer: 5, active: 60, acw: 10 },
  // 00:00:00.000 on the 17th: today's first instant
  { id: 2, created: '2026-11-17T05:00:00Z', accepted: true, answer: 10, active: 100, acw: 20 },
  // 14:00 on the 17th: answered late
  { id: 3, created: '2026-11-17T19:00:00Z', accepted: true, answer: 40, active: 50, acw: 0 },
  // 23:50 on the 17th (the 18th in UTC): abandoned after 8 s, in the last interval of the day
  { id: 4, created: '2026-11-18T04:50:00Z', ended: '2026-11-18T04:50:08Z' },
  // 23:52 on the 17th: still waiting (offered, neither answered nor abandoned)
  { id: 5, created: '2026-11-18T04:52:00Z', complete: false },
  // 00:05 on the 18th: tomorrow's
  { id: 6, created: '2026-11-18T05:05:00Z', accepted: true, answer: 3, active: 30, acw: 3 },
];

let db: TestDatabase;
let readers: ReaderConnection;
let reader: Knex;

beforeAll(async () => {
  db = await freshDatabase();
  await syncReportingSettings(db.knex, SETTINGS);
  await insertSessions(db.knex, SESSIONS);
  await refreshReportingSummaries(db.knex, { from: '2026-11-01', to: '2026-12-01' });
  readers = await readerConnection(db);
  reader = readers.connect();
});
afterAll(async () => {
  await readers?.close();
  await db?.drop();
});

/** today_kpis as the reader sees it at `asOf`. */
async function today(asOf: string): Promise<Record<string, unknown>> {
  await reader.raw(`SET mluvii.as_of = '${asOf}'`);
  const { rows } = await reader.raw(`SELECT *, day::text AS day FROM reporting.today_kpis`);
  expect(rows).toHaveLength(1);
  const { as_of, current_interval_start, loaded_through, windows_loaded_through, hints_loaded_through, ...figures } = rows[0];
  expect((as_of as Date).toISOString()).toBe(new Date(asOf).toISOString());
  return { ...figures, interval: (current_interval_start as Date).toISOString(), loaded_through, windows_loaded_through, hints_loaded_through };
}

describe('reporting.today_kpis', () => {
  it('five minutes before the tenant\'s midnight: the day as REPORT_TZ counts it (not UTC), and its last interval', async () => {
    expect(await today('2026-11-18T04:55:00Z')).toEqual({
      tenant: 'default',
      day: '2026-11-17',
      sessions: 4, offered: 4, answered: 2, abandoned: 1, short_abandoned: 0, answered_within_sl: 1, // s2..s5
      service_level: 0.3333, service_level_denominator: 3, service_level_net: 0.3333, service_level_net_denominator: 3,
      abandon_rate: 0.25, abandon_rate_numerator: 1, abandon_rate_denominator: 4,
      service_level_seconds: 20, short_abandon_seconds: 5,
      avg_answer_s: 25, count_answer_s: 2, sum_answer_s: 50,
      avg_handle_s: 85, count_handle_s: 2, sum_handle_s: 170,
      avg_abandon_wait_s: 8, count_abandon_wait_s: 1, sum_abandon_wait_s: 8,
      // 23:45–00:00 in New York: s4 (abandoned) and s5 (waiting)
      interval: '2026-11-18T04:45:00.000Z',
      current_interval_offered: 2, current_interval_answered: 0, current_interval_abandoned: 1, current_interval_answered_within_sl: 0, current_interval_service_level: 0,
      loaded_through: null, windows_loaded_through: null, hints_loaded_through: null,
    });
  });

  it('ten minutes after it: a new day with only its own session, and an interval of the new day', async () => {
    expect(await today('2026-11-18T05:10:00Z')).toMatchObject({
      day: '2026-11-18',
      sessions: 1, offered: 1, answered: 1, abandoned: 0, answered_within_sl: 1, service_level: 1,
      avg_answer_s: 3, avg_handle_s: 33,
      interval: '2026-11-18T05:00:00.000Z',
      current_interval_offered: 1, current_interval_answered: 1,
    });
  });

  it('has a row with zeros on a day without sessions yet', async () => {
    expect(await today('2026-11-20T15:00:00Z')).toMatchObject({
      day: '2026-11-20', sessions: 0, offered: 0, service_level: null, avg_answer_s: null, sum_answer_s: null,
      interval: '2026-11-20T15:00:00.000Z', current_interval_offered: 0, current_interval_service_level: null,
    });
  });

  it('says how fresh the rows are: the latest done window or hint load, whichever is later, never moving back', async () => {
    await db.knex('etl.windows').insert({ window_start: '2026-11-17T05:00:00Z', window_end: '2026-11-18T04:00:00Z', status: 'done' });
    await db.knex('etl.windows').insert({ window_start: '2026-11-18T04:00:00Z', window_end: '2026-11-18T05:00:00Z', status: 'failed' });
    const fresh = async () => {
      const r = await today('2026-11-18T04:55:00Z');
      const iso = (v: unknown) => (v === null ? null : (v as Date).toISOString());
      return [iso(r.loaded_through), iso(r.windows_loaded_through), iso(r.hints_loaded_through)];
    };
    expect(await fresh()).toEqual(['2026-11-18T04:00:00.000Z', '2026-11-18T04:00:00.000Z', null]);
    await recordHintLoad(db.knex, new Date('2026-11-18T04:54:30Z'));
    expect(await fresh()).toEqual(['2026-11-18T04:54:30.000Z', '2026-11-18T04:00:00.000Z', '2026-11-18T04:54:30.000Z']);
    await recordHintLoad(db.knex, new Date('2026-11-18T04:50:00Z')); // a slower batch that read earlier
    expect(await fresh()).toEqual(['2026-11-18T04:54:30.000Z', '2026-11-18T04:00:00.000Z', '2026-11-18T04:54:30.000Z']);
  });

  it('takes "now" from the transaction when mluvii.as_of is not set', async () => {
    await reader.raw('RESET mluvii.as_of');
    const { rows } = await reader.raw(`SELECT as_of = now() AS now_is_as_of, day = (now() AT TIME ZONE 'America/New_York')::date AS today FROM reporting.today_kpis`);
    expect(rows).toEqual([{ now_is_as_of: true, today: true }]);
  });
});

/**
 * reporting.interval_kpis and the short-abandon and service-level variants of the daily views
 * (docs/metrics.md "Interval KPIs, short abandons and service-level variants": K-INTERVAL,
 * K-ABANDON-WAIT, K-SHORT-ABANDON, K-SL-NET, K-SL-OFFERED, K-SL-ANSWERED, K-ABANDON-RATE), read
 * as the reader role on a hand-built fixture whose answers are worked out below; and what an
 * intraday screen reads of it (is_current, loaded_through), with "now" pinned by mluvii.as_of.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from '../../src/db/knex.js';
import { syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { recordHintLoad } from '../../src/load/hint-loads.js';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertSessions, type SessionSpec } from './core-rows.js';
import { readerConnection, type ReaderConnection } from './reader.js';

const SETTINGS = { reportTz: 'Europe/Prague', serviceLevelSeconds: 20, shortAbandonSeconds: 5 };

// 2026-05-04 is CEST (+02): 08:00Z is 10:00 local.
const SESSIONS: SessionSpec[] = [
  // created and queued in 09:45–10:00, answered within the service level
  { id: 1, created: '2026-05-04T07:58:00Z', queued: '2026-05-04T07:59:59.999Z', accepted: true, answer: 10, active: 100, acw: 20 },
  // created in 09:45–10:00 but entered the queue at 10:00:00.000: counts for 10:00 (by arrival)
  { id: 2, created: '2026-05-04T07:59:30Z', queued: '2026-05-04T08:00:00Z', accepted: true, answer: 25, active: 50, acw: null },
  // abandoned after 4.999 s in queue: short (K-SHORT-ABANDON: < 5)
  { id: 3, created: '2026-05-04T08:04:59Z', queued: '2026-05-04T08:05:00Z', ended: '2026-05-04T08:05:04.999Z' },
  // abandoned after exactly 5.000 s: not short
  { id: 4, created: '2026-05-04T08:05:59Z', queued: '2026-05-04T08:06:00.123Z', ended: '2026-05-04T08:06:05.123Z' },
  // abandoned after 5.001 s: not short
  { id: 5, created: '2026-05-04T08:06:59Z', queued: '2026-05-04T08:07:00Z', ended: '2026-05-04T08:07:05.001Z' },
  // abandoned, no ended: abandon wait unknown, not short
  { id: 6, created: '2026-05-04T08:07:59Z', queued: '2026-05-04T08:08:00Z' },
  // abandoned, ended before it was queued (bad data): abandon wait NULL, not short
  { id: 7, created: '2026-05-04T08:08:59Z', queued: '2026-05-04T08:09:00Z', ended: '2026-05-04T08:08:59.500Z' },
  // offered, still open: offered only
  { id: 8, created: '2026-05-04T08:09:59Z', queued: '2026-05-04T08:10:00Z', complete: false },
  // never offered: no interval
  { id: 9, created: '2026-05-04T08:10:00Z', offered: false, active: 30, acw: 3 },
  // answered in time, queued at 10:14:59.999: still 10:00–10:15
  { id: 10, created: '2026-05-04T08:14:59Z', queued: '2026-05-04T08:14:59.999Z', accepted: true, answer: 20, active: 60, acw: 6 },
  // queued at 10:15:00.000: the next interval
  { id: 11, created: '2026-05-04T08:14:59.500Z', queued: '2026-05-04T08:15:00Z', accepted: true, answer: 1, active: 9, acw: 1 },

  // dept 2 Phone: created 23:59:30 on the 4th, queued 00:00:30 on the 5th: daily_kpis counts it on
  // the 4th (created), interval_kpis at 00:00 on the 5th (arrival)
  { id: 20, created: '2026-05-04T21:59:30Z', queued: '2026-05-04T22:00:30Z', dept: 2, channel: 'Phone', accepted: true, answer: 30, active: 100, acw: 10 },

  // dept 3 AV, 2026-10-25: CEST → CET at 03:00 local; 02:00–03:00 local happens twice
  { id: 30, created: '2026-10-25T00:20:00Z', queued: '2026-10-25T00:20:00Z', dept: 3, channel: 'AV', accepted: true, answer: 3 }, // 02:20 CEST
  { id: 31, created: '2026-10-25T01:20:00Z', queued: '2026-10-25T01:20:00Z', dept: 3, channel: 'AV', accepted: true, answer: 4 }, // 02:20 CET
  { id: 32, created: '2026-10-25T01:29:59.999Z', queued: '2026-10-25T01:29:59.999Z', dept: 3, channel: 'AV', ended: '2026-10-25T01:30:01Z' }, // 02:29:59.999 CET, short
  // 2026-03-29: CET → CEST at 02:00 local; 02:00–03:00 local does not exist
  { id: 33, created: '2026-03-29T00:59:00Z', queued: '2026-03-29T00:59:00Z', dept: 3, channel: 'AV', accepted: true, answer: 1 }, // 01:59 CET
  { id: 34, created: '2026-03-29T01:00:00Z', queued: '2026-03-29T01:00:00Z', dept: 3, channel: 'AV', accepted: true, answer: 2 }, // 03:00 CEST
];

let db: TestDatabase;
let readers: ReaderConnection;
let reader: Knex;

beforeAll(async () => {
  db = await freshDatabase();
  await syncReportingSettings(db.knex, SETTINGS);
  await insertSessions(db.knex, SESSIONS);
  await refreshReportingSummaries(db.knex, { from: '2026-01-01', to: '2027-01-01' });
  readers = await readerConnection(db);
  reader = readers.connect();
});
afterAll(async () => {
  await readers?.close();
  await db?.drop();
});

type Row = Record<string, unknown>;

async function intervals(where: string): Promise<Row[]> {
  const { rows } = await reader.raw(
    `SELECT *, interval_start::text AS start_text, interval_day::text AS day_text, interval_time::text AS time_text
       FROM reporting.interval_kpis WHERE ${where} ORDER BY interval_start, department_id`,
  );
  // loaded_through and is_current depend on the loads and on "now": the intraday tests below pin both.
  return rows.map(({ interval_start, interval_end, interval_day, interval_time, start_text, day_text, time_text, tenant, loaded_through, is_current, ...r }: Row) => ({
    ...(expect(tenant).toBe('default'), r),
    interval_start: start_text,
    interval_day: day_text,
    interval_time: time_text,
    interval_minutes: ((interval_end as Date).getTime() - (interval_start as Date).getTime()) / 60_000,
  }));
}

describe('reporting.interval_kpis (K-INTERVAL)', () => {
  it('counts each session in the 15-minute interval of its first routing request, in REPORT_TZ, with the worked-out figures', async () => {
    expect(await intervals(`department_id = 1`)).toEqual([
      {
        interval_start: '2026-05-04 09:45:00+02', interval_day: '2026-05-04', interval_time: '09:45:00', interval_minutes: 15,
        department_id: 1, channel: 'Chat',
        offered: 1, answered: 1, abandoned: 0, short_abandoned: 0, answered_within_sl: 1, // s1
        service_level: 1, service_level_denominator: 1, service_level_net: 1, service_level_net_denominator: 1,
        service_level_offered: 1, service_level_answered: 1,
        abandon_rate: 0, abandon_rate_numerator: 0, abandon_rate_denominator: 1,
        service_level_seconds: 20, short_abandon_seconds: 5,
        avg_answer_s: 10, count_answer_s: 1, sum_answer_s: 10,
        avg_handle_s: 120, count_handle_s: 1, sum_handle_s: 120,
        avg_abandon_wait_s: null, count_abandon_wait_s: 0, sum_abandon_wait_s: null,
      },
      {
        interval_start: '2026-05-04 10:00:00+02', interval_day: '2026-05-04', interval_time: '10:00:00', interval_minutes: 15,
        department_id: 1, channel: 'Chat',
        offered: 8, // s2, s3, s4, s5, s6, s7, s8, s10 (s9 was never offered)
        answered: 2, // s2 (25 s), s10 (20 s)
        abandoned: 5, // s3 … s7 (s8 is still open)
        short_abandoned: 1, // s3 (4.999 s); s4 (5.000) and s5 (5.001) are not below 5
        answered_within_sl: 1, // s10 at the threshold
        service_level: 0.1429, // K-SL: 1 / (2 + 5) = 0.142857…
        service_level_denominator: 7,
        service_level_net: 0.1667, // K-SL-NET: 1 / (2 + 5 − 1)
        service_level_net_denominator: 6,
        service_level_offered: 0.125, // K-SL-OFFERED: 1 / 8
        service_level_answered: 0.5, // K-SL-ANSWERED: 1 / 2
        abandon_rate: 0.5714, // K-ABANDON-RATE: (5 − 1) / (8 − 1) = 0.571428…
        abandon_rate_numerator: 4,
        abandon_rate_denominator: 7,
        service_level_seconds: 20, short_abandon_seconds: 5,
        avg_answer_s: 22.5, count_answer_s: 2, sum_answer_s: 45,
        avg_handle_s: 66, count_handle_s: 1, sum_handle_s: 66, // s10; s2's ACW is unknown
        avg_abandon_wait_s: 5, count_abandon_wait_s: 3, sum_abandon_wait_s: 15, // 4.999 + 5.000 + 5.001 (K-ABANDON-WAIT)
      },
      {
        interval_start: '2026-05-04 10:15:00+02', interval_day: '2026-05-04', interval_time: '10:15:00', interval_minutes: 15,
        department_id: 1, channel: 'Chat',
        offered: 1, answered: 1, abandoned: 0, short_abandoned: 0, answered_within_sl: 1, // s11
        service_level: 1, service_level_denominator: 1, service_level_net: 1, service_level_net_denominator: 1,
        service_level_offered: 1, service_level_answered: 1,
        abandon_rate: 0, abandon_rate_numerator: 0, abandon_rate_denominator: 1,
        service_level_seconds: 20, short_abandon_seconds: 5,
        avg_answer_s: 1, count_answer_s: 1, sum_answer_s: 1,
        avg_handle_s: 10, count_handle_s: 1, sum_handle_s: 10,
        avg_abandon_wait_s: null, count_abandon_wait_s: 0, sum_abandon_wait_s: null,
      },
    ]);
  });

  it('gives each session its abandon wait and short-abandon flag at the threshold\'s edge (K-ABANDON-WAIT, K-SHORT-ABANDON)', async () => {
    const { rows } = await reader.raw(
      `SELECT session_id, abandon_wait_s, is_short_abandoned FROM reporting.session_durations WHERE session_id BETWEEN 1 AND 11 ORDER BY 1`,
    );
    expect(rows.map((r: Row) => [r.session_id, r.abandon_wait_s, r.is_short_abandoned])).toEqual([
      [1, null, false], [2, null, false],
      [3, 4.999, true], [4, 5, false], [5, 5.001, false],
      [6, null, false], [7, null, false], [8, null, false], [9, null, false], [10, null, false], [11, null, false],
    ]);
  });

  it('puts a session created before midnight and queued after it in the next day\'s 00:00 interval, and in daily_kpis on the day it was created', async () => {
    expect((await intervals(`department_id = 2`)).map((r) => [r.interval_start, r.interval_day, r.offered, r.answered])).toEqual([
      ['2026-05-05 00:00:00+02', '2026-05-05', 1, 1],
    ]);
    const { rows } = await reader.raw(`SELECT day::text AS day, offered FROM reporting.daily_kpis WHERE department_id = 2`);
    expect(rows).toEqual([{ day: '2026-05-04', offered: 1 }]);
  });

  it('follows the local clock across DST: the repeated hour gives two distinct intervals, the skipped hour none', async () => {
    expect((await intervals(`department_id = 3`)).map((r) => [r.interval_start, r.interval_time, r.offered, r.short_abandoned])).toEqual([
      ['2026-03-29 01:45:00+01', '01:45:00', 1, 0], // s33 at 01:59 CET
      ['2026-03-29 03:00:00+02', '03:00:00', 1, 0], // s34 at 03:00 CEST, the instant after 01:59:59.999 CET
      ['2026-10-25 02:15:00+02', '02:15:00', 1, 0], // s30, the first 02:20
      ['2026-10-25 02:15:00+01', '02:15:00', 2, 1], // s31, the second 02:20, and s32 (abandoned after 1.001 s)
    ]);
    const { rows } = await reader.raw(
      `SELECT extract(epoch FROM interval_start)::bigint AS epoch FROM reporting.interval_kpis WHERE department_id = 3 AND interval_day = '2026-10-25' ORDER BY 1`,
    );
    expect(rows.map((r: Row) => r.epoch)).toEqual([Date.parse('2026-10-25T00:15:00Z') / 1000, Date.parse('2026-10-25T01:15:00Z') / 1000]);
  });

  it('adds up to the offered sessions that entered the queue, once each', async () => {
    const { rows } = await reader.raw(`
      SELECT (SELECT sum(offered) FROM reporting.interval_kpis)::int AS in_intervals,
             (SELECT count(*) FROM reporting.session_durations WHERE queue_entered_at IS NOT NULL AND is_offered)::int AS offered`);
    expect(rows[0]).toEqual({ in_intervals: SESSIONS.length - 1, offered: SESSIONS.length - 1 }); // all but s9
  });
});

/** The reader's rows of interval_kpis, with today_kpis, in one transaction whose "now" is `asOf`. */
async function atInstant(asOf: string, where = 'true'): Promise<{ current: string[]; others: number; nulls: number; today: Row }> {
  return reader.transaction(async (trx) => {
    await trx.raw(`SELECT set_config('mluvii.as_of', ?, true)`, [asOf]);
    const { rows } = await trx.raw(
      `SELECT interval_start, department_id, is_current FROM reporting.interval_kpis WHERE ${where} ORDER BY interval_start, department_id`,
    );
    const today = (await trx.raw(`SELECT current_interval_start, loaded_through FROM reporting.today_kpis`)).rows[0] as Row;
    return {
      current: rows.filter((r: Row) => r.is_current === true).map((r: Row) => `${(r.interval_start as Date).toISOString()} dept ${r.department_id}`),
      others: rows.filter((r: Row) => r.is_current === false).length,
      nulls: rows.filter((r: Row) => r.is_current === null).length,
      today,
    };
  });
}

describe('reporting.interval_kpis for an intraday screen (is_current, loaded_through)', () => {
  const ROWS = 8; // dept 1: 09:45, 10:00, 10:15; dept 2: 00:00 on the 5th; dept 3: 2 in March, 2 in October

  it('marks exactly the rows of the interval that holds "now" in REPORT_TZ, by instant', async () => {
    // 10:07 CEST on 4 May: the 10:00 interval; 10:15:00.000 is the next one (interval_end is exclusive)
    expect(await atInstant('2026-05-04T08:07:00Z')).toMatchObject({ current: ['2026-05-04T08:00:00.000Z dept 1'], others: ROWS - 1, nulls: 0 });
    expect(await atInstant('2026-05-04T08:14:59.999Z')).toMatchObject({ current: ['2026-05-04T08:00:00.000Z dept 1'] });
    expect(await atInstant('2026-05-04T08:15:00Z')).toMatchObject({ current: ['2026-05-04T08:15:00.000Z dept 1'] });
    // 10:45: an interval with no arrivals has no row, so nothing is current
    expect(await atInstant('2026-05-04T08:45:00Z')).toMatchObject({ current: [], others: ROWS, nulls: 0 });
  });

  it('follows the local clock across DST: the skipped hour, and the repeated hour\'s two intervals with one interval_time', async () => {
    // 29 March: 01:59:59.999 CET is the 01:45 interval; the next instant is 03:00 CEST, the 03:00 interval
    expect((await atInstant('2026-03-29T00:59:59.999Z', 'department_id = 3')).current).toEqual(['2026-03-29T00:45:00.000Z dept 3']);
    expect((await atInstant('2026-03-29T01:00:00Z', 'department_id = 3')).current).toEqual(['2026-03-29T01:00:00.000Z dept 3']);
    // 25 October: 02:20 CEST and 02:20 CET are both 02:15 on the clock, yet only the interval of the instant is current
    expect((await atInstant('2026-10-25T00:20:00Z', 'department_id = 3')).current).toEqual(['2026-10-25T00:15:00.000Z dept 3']);
    expect((await atInstant('2026-10-25T01:29:59.999Z', 'department_id = 3')).current).toEqual(['2026-10-25T01:15:00.000Z dept 3']);
  });

  it('agrees with today_kpis.current_interval_start', async () => {
    for (const asOf of ['2026-05-04T08:07:00Z', '2026-03-29T01:05:00Z', '2026-10-25T01:20:00Z', '2026-05-04T22:00:30Z']) {
      const { current, today } = await atInstant(asOf);
      expect({ asOf, current }).toEqual({ asOf, current: [expect.stringMatching(`^${(today.current_interval_start as Date).toISOString()} `)] });
    }
  });

  it('takes "now" from the transaction when mluvii.as_of is not set', async () => {
    await reader.raw('RESET mluvii.as_of');
    const { rows } = await reader.raw(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE is_current = (interval_start <= now() AND now() < interval_end))::int AS agree FROM reporting.interval_kpis`,
    );
    expect(rows).toEqual([{ n: ROWS, agree: ROWS }]);
  });

  it('says how fresh the rows are, on every row, as today_kpis.loaded_through does', async () => {
    const freshness = async () => {
      const { rows } = await reader.raw(`SELECT DISTINCT loaded_through FROM reporting.interval_kpis`);
      const today = (await reader.raw(`SELECT loaded_through FROM reporting.today_kpis`)).rows[0].loaded_through as Date | null;
      return { interval_kpis: rows.map((r: Row) => (r.loaded_through as Date | null)?.toISOString() ?? null), today_kpis: today?.toISOString() ?? null };
    };
    expect(await freshness()).toEqual({ interval_kpis: [null], today_kpis: null }); // nothing loaded yet
    await db.knex('etl.windows').insert({ window_start: '2026-05-03T22:00:00Z', window_end: '2026-05-04T08:00:00Z', status: 'done' });
    await db.knex('etl.windows').insert({ window_start: '2026-05-04T08:00:00Z', window_end: '2026-05-04T09:00:00Z', status: 'failed' });
    expect(await freshness()).toEqual({ interval_kpis: ['2026-05-04T08:00:00.000Z'], today_kpis: '2026-05-04T08:00:00.000Z' });
    await recordHintLoad(db.knex, new Date('2026-05-04T08:09:30Z'));
    expect(await freshness()).toEqual({ interval_kpis: ['2026-05-04T08:09:30.000Z'], today_kpis: '2026-05-04T08:09:30.000Z' });
  });
});

describe('the short-abandon and service-level variants of daily_kpis', () => {
  it('are the same definitions over the day', async () => {
    const { rows } = await reader.raw(
      `SELECT offered, answered, abandoned, short_abandoned, answered_within_sl, service_level, service_level_denominator,
              service_level_net, service_level_net_denominator, service_level_offered, service_level_answered,
              abandon_rate, abandon_rate_numerator, abandon_rate_denominator, avg_abandon_wait_s, count_abandon_wait_s
         FROM reporting.daily_kpis WHERE day = '2026-05-04' AND department_id = 1`,
    );
    // s1 … s11: offered 10 (not s9), answered s1, s2, s10, s11; abandoned s3 … s7; short s3; within s1, s10, s11
    expect(rows).toEqual([
      {
        offered: 10, answered: 4, abandoned: 5, short_abandoned: 1, answered_within_sl: 3,
        service_level: 0.3333, service_level_denominator: 9, // 3 / 9
        service_level_net: 0.375, service_level_net_denominator: 8, // 3 / 8
        service_level_offered: 0.3, // 3 / 10
        service_level_answered: 0.75, // 3 / 4
        abandon_rate: 0.4444, abandon_rate_numerator: 4, abandon_rate_denominator: 9, // 4 / 9
        avg_abandon_wait_s: 5, count_abandon_wait_s: 3,
      },
    ]);
  });
});

describe('SHORT_ABANDON_SECONDS', () => {
  async function shortAbandons(): Promise<[number, number, number]> {
    const { rows } = await reader.raw(`
      SELECT (SELECT short_abandoned FROM reporting.daily_kpis WHERE day = '2026-05-04' AND department_id = 1)::int AS daily,
             (SELECT sum(short_abandoned) FROM reporting.interval_kpis WHERE department_id = 1)::int AS intervals,
             (SELECT count(*) FROM reporting.session_durations WHERE is_short_abandoned AND department_id = 1)::int AS sessions`);
    return [rows[0].daily, rows[0].intervals, rows[0].sessions];
  }

  it('is applied on the next sync, with no SQL edited; 0 turns short abandons off', async () => {
    expect(await shortAbandons()).toEqual([1, 1, 1]);
    expect(await syncReportingSettings(db.knex, { ...SETTINGS, shortAbandonSeconds: 5.001 })).toEqual({ changed: true });
    expect(await shortAbandons()).toEqual([2, 2, 2]); // s3 (4.999) and s4 (5.000); s5 (5.001) is not below 5.001
    expect(await syncReportingSettings(db.knex, { ...SETTINGS, shortAbandonSeconds: 0 })).toEqual({ changed: true });
    expect(await shortAbandons()).toEqual([0, 0, 0]);
    const { rows } = await reader.raw(
      `SELECT abandon_rate, service_level_net, short_abandon_seconds FROM reporting.interval_kpis WHERE interval_start = '2026-05-04T08:00:00Z' AND department_id = 1`,
    );
    expect(rows).toEqual([{ abandon_rate: 0.625, service_level_net: 0.1429, short_abandon_seconds: 0 }]); // 5 / 8; 1 / 7
    expect((await reader.raw('SELECT short_abandon_seconds FROM reporting.report_settings')).rows).toEqual([{ short_abandon_seconds: 0 }]);
    await syncReportingSettings(db.knex, SETTINGS);
    expect(await shortAbandons()).toEqual([1, 1, 1]);
  });

  it('refuses a negative threshold, naming SHORT_ABANDON_SECONDS', async () => {
    await expect(syncReportingSettings(db.knex, { ...SETTINGS, shortAbandonSeconds: -1 })).rejects.toMatchObject({ variable: 'SHORT_ABANDON_SECONDS' });
  });
});

describe('refreshing the interval summaries with each load', () => {
  it('publishes a changed session\'s interval with the load\'s commit, and keeps the intervals of days not refreshed', async () => {
    await db.knex.transaction(async (trx) => {
      // s6 turns out to have ended 2 s after entering the queue: now a short abandon
      await trx('core.sessions').where({ session_id: 6 }).update({ ended_at: '2026-05-04T08:08:02Z' });
      await refreshReportingSummaries(trx, { from: '2026-05-04T08:07:59Z', to: '2026-05-04T08:07:59Z' });
      const before = await reader.raw(`SELECT short_abandoned FROM reporting.interval_kpis WHERE interval_start = '2026-05-04T08:00:00Z' AND department_id = 1`);
      expect(before.rows).toEqual([{ short_abandoned: 1 }]); // other sessions see the old numbers until the commit
    });
    const after = await reader.raw(`SELECT short_abandoned FROM reporting.interval_kpis WHERE interval_start = '2026-05-04T08:00:00Z' AND department_id = 1`);
    expect(after.rows).toEqual([{ short_abandoned: 2 }]);
    // s11 turns out to have entered the queue at 10:31: its old interval (10:15, s11 alone) goes
    await db.knex('core.sessions').where({ session_id: 11 }).update({ first_routing_at: '2026-05-04T08:31:00Z' });
    await refreshReportingSummaries(db.knex, { from: '2026-05-04', to: '2026-05-05' });
    expect((await intervals(`department_id = 1`)).map((r) => [r.interval_start, r.offered])).toEqual([
      ['2026-05-04 09:45:00+02', 1],
      ['2026-05-04 10:00:00+02', 8],
      ['2026-05-04 10:30:00+02', 1],
    ]);
    // refreshing the 5th alone leaves s20 (created on the 4th, queued on the 5th) where it was
    await refreshReportingSummaries(db.knex, { from: '2026-05-05', to: '2026-05-06' });
    expect((await intervals(`department_id = 2`)).map((r) => r.offered)).toEqual([1]);
  });
});

/**
 * reporting.daily_kpis and reporting.operator_daily on a hand-built fixture whose answers are
 * worked out below (docs/metrics.md K-rules), with NULLs, a session that is offered but not complete,
 * and sessions either side of local midnight on both Europe/Prague DST changes of 2026.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { refreshReportingSummaries } from '../../src/load/reporting-summaries.js';
import { readReportingSettings, syncReportingSettings } from '../../src/admin/reporting-settings.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { insertOperatorRows, insertSessions, type SessionSpec } from './core-rows.js';

const PRAGUE = { reportTz: 'Europe/Prague', serviceLevelSeconds: 20 };

// 2026-03-29: Prague goes from CET (+01) to CEST (+02) at 02:00, so that day runs from
// 2026-03-28T23:00Z to 2026-03-29T22:00Z (23 hours). A fixed +01 offset would put s8 on the 29th.
const SESSIONS: SessionSpec[] = [
  // 2026-03-28, 23:59:59.999 CET: the last instant of the 28th
  { id: 9, created: '2026-03-28T22:59:59.999Z', accepted: true, inQueue: 1, waiting: 1, answer: 2, active: 10, acw: 1 },

  // ── 2026-03-29 × department 1 × Chat ──
  // s1 at 00:00:00 CET, the first instant of the 29th
  { id: 1, created: '2026-03-28T23:00:00Z', accepted: true, inQueue: 5, waiting: 10, answer: 15, active: 100, acw: 20 },
  // answered after the threshold; ACW unknown, so no handle time
  { id: 2, created: '2026-03-29T10:00:00Z', accepted: true, inQueue: 30, waiting: 0, answer: 30, active: 200, acw: null },
  // answered exactly at the threshold (≤ counts); length unknown
  { id: 3, created: '2026-03-29T11:00:00Z', accepted: true, inQueue: 10, waiting: 10, answer: 20, active: null, acw: 40 },
  // abandoned: offered, complete, never accepted (K-ABANDONED)
  { id: 4, created: '2026-03-29T12:00:00Z', accepted: false },
  // offered, not accepted, still open: neither answered nor abandoned
  { id: 5, created: '2026-03-29T13:00:00Z', accepted: false, complete: false },
  // never offered (outbound): counts in sessions and in the duration averages only
  { id: 6, created: '2026-03-29T14:00:00Z', offered: false, active: 50, acw: 10 },
  // 23:59:59.999 CEST, the last instant of the 29th; answered but answer_s unknown (negative → NULL)
  { id: 7, created: '2026-03-29T21:59:59.999Z', accepted: true, inQueue: 2, waiting: 3, answer: null, active: 300, acw: 30 },

  // ── 2026-03-29 × department 2 × Phone ──
  { id: 11, created: '2026-03-29T09:00:00Z', dept: 2, channel: 'Phone', accepted: true, inQueue: 20, waiting: 5, answer: 25 },
  { id: 12, created: '2026-03-29T09:30:00Z', dept: 2, channel: 'Phone', accepted: false },
  // accepted but never offered (a direct session): not "answered" in K-ANSWERED's sense
  { id: 13, created: '2026-03-29T09:45:00Z', dept: 2, channel: 'Phone', offered: false, accepted: true },

  // ── 2026-03-29 × no department × no channel: nothing offered, nothing known ──
  { id: 10, created: '2026-03-29T15:00:00Z', dept: null, channel: null, offered: false },

  // 2026-03-30, 00:00:00 CEST: the first instant of the 30th
  { id: 8, created: '2026-03-29T22:00:00Z', accepted: true, inQueue: 4, waiting: 4, answer: 8, active: 60, acw: 6 },

  // ── 2026-10-25: CEST → CET at 03:00, the day runs 2026-10-24T22:00Z … 2026-10-25T23:00Z (25 h) ──
  { id: 20, created: '2026-10-24T21:59:59.999Z', dept: 3, channel: 'AV', offered: false }, // Oct 24, 23:59:59.999 CEST
  { id: 21, created: '2026-10-24T22:00:00Z', dept: 3, channel: 'AV', offered: false }, //     Oct 25, 00:00 CEST
  { id: 22, created: '2026-10-25T01:30:00Z', dept: 3, channel: 'AV', offered: false }, //     Oct 25, 02:30 CET (the 2nd 02:30)
  { id: 23, created: '2026-10-25T22:59:59.999Z', dept: 3, channel: 'AV', offered: false }, // Oct 25, 23:59:59.999 CET
  { id: 24, created: '2026-10-25T23:00:00Z', dept: 3, channel: 'AV', offered: false }, //     Oct 26, 00:00 CET
];

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await insertSessions(db.knex, SESSIONS);
  await db.knex('core.operators').insert([
    { user_id: 4, user_name: 'jnovakova', first_name: 'Jana', last_name: 'Nováková' },
    { user_id: 99, user_name: 'bot99', first_name: null, last_name: null },
  ]);
  // user 2710 has no core.operators row: the view falls back to the name seen in the session
  await insertOperatorRows(db.knex, [
    { session: 1, user: 4, joined: '2026-03-28T23:00:15Z', queue: 6.25, active: 80, acw: 20, offers: 1 },
    { session: 1, user: 2710, userName: 'petr', offers: 1, missed: 1 }, // offered, timed out, never joined
    { session: 2, user: 4, joined: '2026-03-29T10:00:30Z', queue: 30, active: 200, acw: null, offers: 1 },
    { session: 7, user: 4, joined: '2026-03-29T21:59:59.999Z', queue: 1.5, active: 300, acw: 30, offers: 2, missed: 1 },
    { session: 3, user: 2710, userName: 'petr', joined: '2026-03-29T11:00:20Z', queue: 10, active: null, acw: 40, offers: 1 },
    { session: 3, user: 99, joined: '2026-03-29T11:00:01Z', active: 5 },
    { session: 8, user: 4, joined: '2026-03-29T22:00:08Z', queue: 8, active: 10, acw: 5, offers: 1 },
  ]);
  await syncReportingSettings(db.knex, PRAGUE);
  await refreshReportingSummaries(db.knex, { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' });
});
afterAll(async () => db?.drop());

type Row = Record<string, unknown>;

/** pg turns a date into a JS Date at local midnight; compare days as text. Every row is the one tenant's (the column is checked here, once). */
function dayAsText({ day_text, tenant, ...row }: Row): Row {
  expect(tenant).toBe('default');
  return { ...row, day: day_text };
}

async function kpis(where = 'true'): Promise<Row[]> {
  const { rows } = await db.knex.raw(
    `SELECT k.*, k.day::text AS day_text FROM reporting.daily_kpis k WHERE ${where} ORDER BY day, department_id NULLS LAST, channel NULLS LAST`,
  );
  return rows.map(dayAsText);
}

async function kpiRow(day: string, dept: number | null, channel: string | null): Promise<Row | undefined> {
  const rows = await kpis(`day = '${day}'`);
  return rows.find((r) => r.department_id === dept && r.channel === channel);
}

async function sessionsPerDay(): Promise<Array<[string, number | null, string | null, number]>> {
  return (await kpis()).map((r) => [r.day as string, r.department_id as number | null, r.channel as string | null, r.sessions as number]);
}

async function operatorDaily(): Promise<Row[]> {
  const { rows } = await db.knex.raw(`SELECT o.*, o.day::text AS day_text FROM reporting.operator_daily o ORDER BY day, user_id`);
  return rows.map(dayAsText);
}

describe('reporting.daily_kpis (docs/metrics.md K-rules)', () => {
  it('puts every session in the REPORT_TZ day of its created_at, across both DST changes', async () => {
    expect(await sessionsPerDay()).toEqual([
      ['2026-03-28', 1, 'Chat', 1], // s9
      ['2026-03-29', 1, 'Chat', 7], // s1 … s7 (s1 at 00:00 CET, s7 at 23:59:59.999 CEST)
      ['2026-03-29', 2, 'Phone', 3],
      ['2026-03-29', null, null, 1],
      ['2026-03-30', 1, 'Chat', 1], // s8 at 00:00 CEST
      ['2026-10-24', 3, 'AV', 1],
      ['2026-10-25', 3, 'AV', 3], // the 25-hour day
      ['2026-10-26', 3, 'AV', 1],
    ]);
  });

  it('gives the worked-out counts, service level, averages and percentiles', async () => {
    // in_queue 5, 30, 10, 2 · waiting 10, 0, 10, 3 · answer 15, 30, 20 · active 100, 200, 50, 300 ·
    // acw 20, 40, 10, 30 · handle (active + acw, both known) 120, 60, 330.
    // percentile_cont: p50 of 4 values is the mean of the middle two; p90 of n values sits at
    // position 0.9·(n−1) between the sorted values, e.g. in_queue 2, 5, 10, 30 → 10 + 0.7·20 = 24.
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toEqual({
      day: '2026-03-29',
      department_id: 1,
      channel: 'Chat',
      sessions: 7,
      offered: 6, // K-OFFERED: all but s6
      answered: 4, // K-ANSWERED: s1, s2, s3, s7
      abandoned: 1, // K-ABANDONED: s4 (s5 is not complete)
      short_abandoned: 0, // s4 has no ended_at, so no abandon wait (K-SHORT-ABANDON)
      answered_within_sl: 2, // s1 (15 s), s3 (20 s = the threshold); s2 took 30 s, s7's answer_s is unknown
      service_level: 0.4, // K-SL: 2 / (4 + 1)
      service_level_denominator: 5,
      service_level_net: 0.4, // K-SL-NET: no short abandons
      service_level_net_denominator: 5,
      service_level_offered: 0.3333, // K-SL-OFFERED: 2 / 6, rounded to 4 decimals
      service_level_answered: 0.5, // K-SL-ANSWERED: 2 / 4
      abandon_rate: 0.1667, // K-ABANDON-RATE: 1 / 6
      abandon_rate_numerator: 1,
      abandon_rate_denominator: 6,
      service_level_seconds: 20,
      short_abandon_seconds: 5,
      avg_in_queue_s: 11.75,
      p50_in_queue_s: 7.5,
      p90_in_queue_s: 24,
      avg_waiting_s: 5.75,
      p50_waiting_s: 6.5,
      p90_waiting_s: 10,
      avg_answer_s: 21.667, // 65 / 3, rounded to ms
      p50_answer_s: 20,
      p90_answer_s: 28,
      avg_active_s: 162.5,
      p50_active_s: 150,
      p90_active_s: 270,
      avg_acw_s: 25,
      p50_acw_s: 25,
      p90_acw_s: 37,
      avg_handle_s: 170,
      p50_handle_s: 120,
      p90_handle_s: 288,
      count_in_queue_s: 4,
      sum_in_queue_s: 47,
      count_waiting_s: 4,
      sum_waiting_s: 23,
      count_answer_s: 3,
      sum_answer_s: 65,
      count_active_s: 4,
      sum_active_s: 650,
      count_acw_s: 4,
      sum_acw_s: 100,
      count_handle_s: 3,
      sum_handle_s: 510,
      avg_abandon_wait_s: null,
      count_abandon_wait_s: 0,
      sum_abandon_wait_s: null,
    });
  });

  it('gives 0 service level when nobody was answered in time, NULL when nobody was answered or abandoned', async () => {
    const phone = await kpiRow('2026-03-29', 2, 'Phone');
    // s13 was accepted but never offered: not answered in K-ANSWERED's sense
    expect(phone).toMatchObject({ sessions: 3, offered: 2, answered: 1, abandoned: 1, answered_within_sl: 0, service_level: 0 });
    expect(phone).toMatchObject({ avg_answer_s: 25, p50_answer_s: 25, p90_answer_s: 25, avg_handle_s: null, count_handle_s: 0 });

    const nothing = await kpiRow('2026-03-29', null, null);
    expect(nothing).toMatchObject({ sessions: 1, offered: 0, answered: 0, abandoned: 0, service_level: null });
    for (const m of ['in_queue', 'waiting', 'answer', 'active', 'acw', 'handle']) {
      expect(nothing).toMatchObject({ [`avg_${m}_s`]: null, [`p50_${m}_s`]: null, [`p90_${m}_s`]: null, [`count_${m}_s`]: 0, [`sum_${m}_s`]: null });
    }
  });

  it('takes a new SERVICE_LEVEL_SECONDS on the next sync, with no SQL edited', async () => {
    expect(await syncReportingSettings(db.knex, PRAGUE)).toEqual({ changed: false });
    expect(await syncReportingSettings(db.knex, { ...PRAGUE, serviceLevelSeconds: 30 })).toEqual({ changed: true });
    expect(await readReportingSettings(db.knex)).toEqual({ reportTz: 'Europe/Prague', serviceLevelSeconds: 30, shortAbandonSeconds: 5 });
    // now s2 (30 s) is within as well: 3 / 5; phone s11 (25 s): 1 / 2
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toMatchObject({ answered_within_sl: 3, service_level: 0.6, service_level_seconds: 30 });
    expect(await kpiRow('2026-03-29', 2, 'Phone')).toMatchObject({ answered_within_sl: 1, service_level: 0.5 });
    const { rows } = await db.knex.raw(`SELECT session_id FROM reporting.session_durations WHERE is_answered_within_sl ORDER BY 1`);
    expect(rows.map((r: Row) => r.session_id)).toEqual([1, 2, 3, 8, 9, 11]);

    await syncReportingSettings(db.knex, PRAGUE);
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toMatchObject({ answered_within_sl: 2, service_level: 0.4, service_level_seconds: 20 });
  });

  it('rebuilds the day buckets when REPORT_TZ changes', async () => {
    expect(await syncReportingSettings(db.knex, { ...PRAGUE, reportTz: 'UTC' })).toEqual({ changed: true });
    expect(await sessionsPerDay()).toEqual([
      ['2026-03-28', 1, 'Chat', 2], // s9 and s1 (23:00Z)
      ['2026-03-29', 1, 'Chat', 7], // s2 … s7 and s8 (22:00Z)
      ['2026-03-29', 2, 'Phone', 3],
      ['2026-03-29', null, null, 1],
      ['2026-10-24', 3, 'AV', 2],
      ['2026-10-25', 3, 'AV', 3],
    ]);
    expect((await operatorDaily()).filter((r) => r.user_id === 4).map((r) => [r.day, r.sessions_handled])).toEqual([
      ['2026-03-28', 1],
      ['2026-03-29', 3],
    ]);
    await syncReportingSettings(db.knex, PRAGUE);
    expect((await sessionsPerDay())[0]).toEqual(['2026-03-28', 1, 'Chat', 1]);
  });

  it('refuses a time zone Postgres does not know, naming REPORT_TZ', async () => {
    await expect(syncReportingSettings(db.knex, { ...PRAGUE, reportTz: 'Europe/Atlantis' })).rejects.toMatchObject({ variable: 'REPORT_TZ' });
    expect(await readReportingSettings(db.knex)).toEqual({ reportTz: 'Europe/Prague', serviceLevelSeconds: 20, shortAbandonSeconds: 5 });
  });
});

describe('reporting.operator_daily', () => {
  it('gives the worked-out figures per operator and day (the day of the session\'s created_at)', async () => {
    expect(await operatorDaily()).toEqual([
      {
        day: '2026-03-29',
        user_id: 4,
        operator_name: 'Jana Nováková',
        sessions_handled: 3, // s1, s2, s7 (s7 counts for the 29th although worked on after midnight)
        offers: 4,
        missed: 1,
        avg_queue_s: 12.583, // (6.25 + 30 + 1.5) / 3
        sum_active_s: 580,
        avg_active_s: 193.333,
        sum_acw_s: 50,
        avg_acw_s: 25, // s2's ACW is unknown
        sessions_involved: 3,
        count_queue_s: 3,
        sum_queue_s: 37.75,
        count_active_s: 3,
        count_acw_s: 2,
      },
      {
        day: '2026-03-29',
        user_id: 99,
        operator_name: 'bot99', // no first or last name: the user name
        sessions_handled: 1,
        offers: 0,
        missed: 0,
        avg_queue_s: null,
        sum_active_s: 5,
        avg_active_s: 5,
        sum_acw_s: null,
        avg_acw_s: null,
        sessions_involved: 1,
        count_queue_s: 0,
        sum_queue_s: null,
        count_active_s: 1,
        count_acw_s: 0,
      },
      {
        day: '2026-03-29',
        user_id: 2710,
        operator_name: 'petr', // not in core.operators: the name seen in the session
        sessions_handled: 1, // s3; s1 was only offered (joined_at NULL)
        offers: 2,
        missed: 1,
        avg_queue_s: 10,
        sum_active_s: null,
        avg_active_s: null,
        sum_acw_s: 40,
        avg_acw_s: 40,
        sessions_involved: 2,
        count_queue_s: 1,
        sum_queue_s: 10,
        count_active_s: 0,
        count_acw_s: 1,
      },
      {
        day: '2026-03-30',
        user_id: 4,
        operator_name: 'Jana Nováková',
        sessions_handled: 1,
        offers: 1,
        missed: 0,
        avg_queue_s: 8,
        sum_active_s: 10,
        avg_active_s: 10,
        sum_acw_s: 5,
        avg_acw_s: 5,
        sessions_involved: 1,
        count_queue_s: 1,
        sum_queue_s: 8,
        count_active_s: 1,
        count_acw_s: 1,
      },
    ]);
  });

  it('uses the current operator name from core.operators without a refresh', async () => {
    await db.knex('core.operators').where({ user_id: 4 }).update({ last_name: 'Dvořáková' });
    expect((await operatorDaily())[0].operator_name).toBe('Jana Dvořáková');
    await db.knex('core.operators').where({ user_id: 4 }).update({ last_name: 'Nováková' });
  });
});

describe('the per-session views', () => {
  it('session_durations gives the REPORT_TZ day and hour of each session', async () => {
    const { rows } = await db.knex.raw(
      `SELECT session_id, created_day::text AS day, created_hour AS hour, handle_s, is_answered, is_abandoned
         FROM reporting.session_durations WHERE session_id IN (1, 2, 4, 7, 8, 9, 13, 22) ORDER BY session_id`,
    );
    expect(rows).toEqual([
      { session_id: 1, day: '2026-03-29', hour: 0, handle_s: 120, is_answered: true, is_abandoned: false },
      { session_id: 2, day: '2026-03-29', hour: 12, handle_s: null, is_answered: true, is_abandoned: false },
      { session_id: 4, day: '2026-03-29', hour: 14, handle_s: null, is_answered: false, is_abandoned: true },
      { session_id: 7, day: '2026-03-29', hour: 23, handle_s: 330, is_answered: true, is_abandoned: false },
      { session_id: 8, day: '2026-03-30', hour: 0, handle_s: 66, is_answered: true, is_abandoned: false },
      { session_id: 9, day: '2026-03-28', hour: 23, handle_s: 11, is_answered: true, is_abandoned: false },
      { session_id: 13, day: '2026-03-29', hour: 11, handle_s: null, is_answered: false, is_abandoned: false },
      { session_id: 22, day: '2026-10-25', hour: 2, handle_s: null, is_answered: false, is_abandoned: false },
    ]);
  });

  it('operator_sessions has one row per session × operator with its names and day', async () => {
    const { rows } = await db.knex.raw(
      `SELECT session_id, user_id, operator_name, created_day::text AS day, offers, missed
         FROM reporting.operator_sessions WHERE session_id IN (1, 8) ORDER BY session_id, user_id`,
    );
    expect(rows).toEqual([
      { session_id: 1, user_id: 4, operator_name: 'Jana Nováková', day: '2026-03-29', offers: 1, missed: 0 },
      { session_id: 1, user_id: 2710, operator_name: 'petr', day: '2026-03-29', offers: 1, missed: 1 },
      { session_id: 8, user_id: 4, operator_name: 'Jana Nováková', day: '2026-03-30', offers: 1, missed: 0 },
    ]);
  });
});

describe('refreshing the summaries (no stale numbers after a load)', () => {
  it('publishes a load\'s changes to core and the KPIs in one commit', async () => {
    const before = await kpiRow('2026-03-29', 1, 'Chat');
    await db.knex.transaction(async (trx) => {
      // what the loader does: change core, then refresh the days of the sessions it touched
      await trx('core.sessions').where({ session_id: 2 }).update({ in_queue_s: 40 });
      await trx('core.sessions').where({ session_id: 6 }).delete();
      await refreshReportingSummaries(trx, { from: '2026-03-29T10:00:00Z', to: '2026-03-29T14:00:00.001Z' });
      // other connections still see the old numbers until the commit
      expect(await kpiRow('2026-03-29', 1, 'Chat')).toEqual(before);
    });
    // in_queue 5, 40, 10, 2: avg 14.25, p50 7.5, p90 10 + 0.7·30 = 31; active without s6: 100, 200, 300
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toMatchObject({
      sessions: 6,
      offered: 6,
      avg_in_queue_s: 14.25,
      p50_in_queue_s: 7.5,
      p90_in_queue_s: 31,
      avg_active_s: 200,
      count_handle_s: 2,
    });
  });

  it('refreshes exactly the REPORT_TZ days that overlap the half-open range', async () => {
    await db.knex('core.sessions').where({ session_id: 7 }).update({ active_s: 600 }); // 29th, 23:59:59.999
    await db.knex('core.sessions').where({ session_id: 8 }).update({ active_s: 90 }); //  30th, 00:00
    // [00:00 on the 30th, 00:00 on the 30th): the day of that instant, the 30th only
    await refreshReportingSummaries(db.knex, { from: '2026-03-29T22:00:00Z', to: '2026-03-29T22:00:00Z' });
    expect(await kpiRow('2026-03-30', 1, 'Chat')).toMatchObject({ avg_active_s: 90 });
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toMatchObject({ avg_active_s: 200 }); // not in the range
    // [.., 00:00 on the 30th) ends with the 29th; a bare date is a day in REPORT_TZ
    await refreshReportingSummaries(db.knex, { from: new Date('2026-03-29T21:00:00Z'), to: '2026-03-30' });
    expect(await kpiRow('2026-03-29', 1, 'Chat')).toMatchObject({ avg_active_s: 300 }); // 100, 200, 600
  });

  it('drops a day whose sessions are all gone, and does nothing for an empty day', async () => {
    await db.knex('core.sessions').where({ session_id: 8 }).delete();
    await refreshReportingSummaries(db.knex, { from: '2026-03-30', to: '2026-03-31' });
    expect(await kpiRow('2026-03-30', 1, 'Chat')).toBeUndefined();
    expect((await operatorDaily()).filter((r) => r.day === '2026-03-30')).toEqual([]);
    await refreshReportingSummaries(db.knex, { from: '2026-05-01', to: '2026-05-02' });
    await expect(refreshReportingSummaries(db.knex, { from: '2026-05-02', to: '2026-05-01' })).rejects.toThrow(/not a created_at range/);
  });
});

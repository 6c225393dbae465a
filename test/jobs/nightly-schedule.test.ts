import { describe, expect, it } from '@jest/globals';
import { instantOfWallClock, nextRunAt, parseWallClockTime, schedulerSettings } from '../../jobs/nightly-schedule.js';

const at = { hour: 2, minute: 15 };

describe('the container scheduler runs at a fixed local time, once per local day', () => {
  it.each([
    ['a winter day', '2026-12-01', 'Europe/Prague', '2026-12-01T01:15:00.000Z'],
    ['a summer day', '2026-07-01', 'Europe/Prague', '2026-07-01T00:15:00.000Z'],
    ['the day 02:00 jumps to 03:00: 03:15 local', '2026-03-29', 'Europe/Prague', '2026-03-29T01:15:00.000Z'],
    ['the day 03:00 falls back to 02:00: the first 02:15', '2026-10-25', 'Europe/Prague', '2026-10-25T00:15:00.000Z'],
    ['a skipped hour in New York: 03:15 EDT', '2026-03-08', 'America/New_York', '2026-03-08T07:15:00.000Z'],
    ['a half-hour offset', '2026-12-01', 'Asia/Kolkata', '2026-11-30T20:45:00.000Z'],
    ['UTC', '2026-12-01', 'UTC', '2026-12-01T02:15:00.000Z'],
  ])('%s', (_name, day, tz, expected) => {
    expect(instantOfWallClock(day, at, tz).toISOString()).toBe(expected);
  });

  it.each([
    ['before tonight\'s time: tonight', '2026-11-30T20:00:00Z', undefined, '2026-12-01T01:15:00.000Z'],
    ['right at it: the next night', '2026-12-01T01:15:00Z', undefined, '2026-12-02T01:15:00.000Z'],
    ['a run that ends after the repeated 02:15 does not start a second one', '2026-10-25T00:20:00Z', '2026-10-25', '2026-10-26T01:15:00.000Z'],
    ['even without knowing the last run', '2026-10-25T00:20:00Z', undefined, '2026-10-26T01:15:00.000Z'],
    ['a day that already ran is skipped', '2026-11-30T23:00:00Z', '2026-12-01', '2026-12-02T01:15:00.000Z'],
  ])('next run: %s', (_name, now, lastRunDay, expected) => {
    expect(nextRunAt(new Date(now), at, 'Europe/Prague', lastRunDay).toISOString()).toBe(expected);
  });

  it('every local day of a year gets exactly one run', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    let last: string | undefined;
    const days = new Set<string>();
    for (let i = 0; i < 365; i++) {
      const due = nextRunAt(now, at, 'Europe/Prague', last);
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Prague' }).format(due);
      expect(days.has(day)).toBe(false);
      days.add(day);
      last = day;
      now = new Date(due.getTime() + 90 * 60_000); // the run takes 90 minutes
    }
    expect(days.size).toBe(365);
  });

  it.each([['02:15', { hour: 2, minute: 15 }], ['2:05', { hour: 2, minute: 5 }], ['23:59', { hour: 23, minute: 59 }], ['24:00', undefined], ['2.15', undefined], ['', undefined]])(
    'ETL_SCHEDULE_AT %j',
    (text, expected) => {
      expect(parseWallClockTime(text)).toEqual(expected);
    },
  );

  it('bad settings are named', () => {
    expect(schedulerSettings({ ETL_SCHEDULE_AT: '25:00' })).toMatch(/ETL_SCHEDULE_AT .* got "25:00"/);
    expect(schedulerSettings({ REPORT_TZ: 'Mars/Olympus' })).toMatch(/REPORT_TZ .* got "Mars\/Olympus"/);
    expect(schedulerSettings({ ETL_MIGRATE_ON_START: 'maybe' })).toMatch(/ETL_MIGRATE_ON_START/);
    expect(schedulerSettings({})).toEqual({ at, atText: '02:15', tz: 'Europe/Prague', migrateOnStart: true });
  });
});

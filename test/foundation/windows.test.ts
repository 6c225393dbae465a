import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { isCovered, mergeRanges, subtractRanges } from '../../src/util/time-range.js';
import { localDayStart, parseTimeArgument, splitWindows } from '../../src/pipeline/windows.js';

const TZ = 'Europe/Prague';
const iso = (ws: Array<{ from: Date; to: Date }>) => ws.map((w) => [w.from.toISOString(), w.to.toISOString()]);

describe('time arguments and windows', () => {
  it('reads a date as midnight in REPORT_TZ, whatever the machine zone', () => {
    expect(parseTimeArgument('2026-07-01', '--from', TZ).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(parseTimeArgument('2026-01-15', '--from', TZ).toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(parseTimeArgument('2026-01-15', '--from', 'UTC').toISOString()).toBe('2026-01-15T00:00:00.000Z');
  });

  it('reads an ISO instant with its offset', () => {
    expect(parseTimeArgument('2026-01-15T08:30:00+02:00', '--to', TZ).toISOString()).toBe('2026-01-15T06:30:00.000Z');
    expect(parseTimeArgument('2026-01-15T08:30:00.250Z', '--to', TZ).toISOString()).toBe('2026-01-15T08:30:00.250Z');
  });

  it.each(['yesterday', '2026-02-30', '2026-01-15T08:30:00', '15.1.2026', ''])('refuses "%s" naming the flag', (raw) => {
    expect(() => parseTimeArgument(raw, '--from', TZ)).toThrow(UsageError);
    expect(() => parseTimeArgument(raw, '--from', TZ)).toThrow(/--from must be a date/);
  });

  it('splits whole days by local calendar days across the DST change (23 h and 25 h days)', () => {
    const from = parseTimeArgument('2026-03-28', '--from', TZ);
    const to = parseTimeArgument('2026-03-31', '--to', TZ);
    expect(iso(splitWindows({ from, to }, 86_400_000, TZ))).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    const oct = splitWindows({ from: parseTimeArgument('2026-10-25', '--from', TZ), to: parseTimeArgument('2026-10-26', '--to', TZ) }, 86_400_000, TZ);
    expect(oct[0].to.getTime() - oct[0].from.getTime()).toBe(25 * 3_600_000);
  });

  it('cuts the last window at the end and steps hours exactly', () => {
    const ws = splitWindows({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T05:00:00Z') }, 2 * 3_600_000, TZ);
    expect(iso(ws)).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T02:00:00.000Z'],
      ['2026-01-01T02:00:00.000Z', '2026-01-01T04:00:00.000Z'],
      ['2026-01-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z'],
    ]);
    expect(splitWindows({ from: new Date('2026-01-02'), to: new Date('2026-01-01') }, 3_600_000, TZ)).toEqual([]);
  });
});

describe('day windows start at local midnights; covered ranges are subtracted', () => {
  const d = (s: string) => new Date(s);
  it('a range that starts mid-day first runs to the next local midnight, then whole local days (23 h in March)', () => {
    const ws = splitWindows({ from: d('2026-03-28T10:00:00Z'), to: d('2026-03-30T05:00:00Z') }, 86_400_000, TZ);
    expect(iso(ws)).toEqual([
      ['2026-03-28T10:00:00.000Z', '2026-03-28T23:00:00.000Z'],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T05:00:00.000Z'],
    ]);
  });

  it('localDayStart counts calendar days in the zone', () => {
    expect(localDayStart(d('2026-03-30T05:00:00Z'), -2, TZ).toISOString()).toBe('2026-03-27T23:00:00.000Z');
    expect(localDayStart(d('2026-10-25T23:30:00Z'), 0, TZ).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(localDayStart(d('2026-10-25T22:30:00Z'), 0, TZ).toISOString()).toBe('2026-10-24T22:00:00.000Z');
  });

  const r = (a: string, b: string) => ({ from: d(`2026-01-01T${a}:00Z`), to: d(`2026-01-01T${b}:00Z`) });
  const hh = (ws: Array<{ from: Date; to: Date }>) => ws.map((w) => `${w.from.toISOString().slice(11, 16)}-${w.to.toISOString().slice(11, 16)}`);
  it.each([
    ['nothing covered', r('00:00', '10:00'), [], ['00:00-10:00']],
    ['fully covered by one', r('02:00', '04:00'), [r('00:00', '10:00')], []],
    ['covered by two touching', r('00:00', '10:00'), [r('05:00', '10:00'), r('00:00', '05:00')], []],
    ['covered by overlapping', r('00:00', '10:00'), [r('00:00', '06:00'), r('04:00', '12:00')], []],
    ['a hole in the middle', r('00:00', '10:00'), [r('00:00', '03:00'), r('07:00', '12:00')], ['03:00-07:00']],
    ['head and tail open', r('00:00', '10:00'), [r('02:00', '03:00'), r('05:00', '06:00')], ['00:00-02:00', '03:00-05:00', '06:00-10:00']],
    ['covered outside only', r('04:00', '06:00'), [r('00:00', '04:00'), r('06:00', '08:00')], ['04:00-06:00']],
  ])('subtractRanges: %s', (_name, range, covered, gaps) => {
    expect(hh(subtractRanges(range, covered))).toEqual(gaps);
    expect(isCovered(range, covered)).toBe(gaps.length === 0);
  });

  it('mergeRanges joins touching and overlapping ranges', () => {
    expect(hh(mergeRanges([r('05:00', '06:00'), r('00:00', '02:00'), r('02:00', '03:00'), r('05:30', '07:00')]))).toEqual(['00:00-03:00', '05:00-07:00']);
  });
});

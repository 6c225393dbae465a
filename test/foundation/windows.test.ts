import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { parseTimeArgument, splitWindows } from '../../src/pipeline/windows.js';

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

import { describe, expect, it } from '@jest/globals';
import { civilFromDays, daysFromCivil, formatDuration, formatTimestamp, pragueOffsetSeconds } from '../../src/simulator/iso-format.js';
import { parseDurationUs, parseTimestampUs, pragueOffsetViaIntl } from './iso-parse.js';

describe('Europe/Prague offsets', () => {
  it('match Intl for every 7th hour from 2020 to 2031, and right around both DST changes', () => {
    const instants: number[] = [];
    for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2031, 0, 1); t += 7 * 3_600_000) instants.push(t);
    // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
    for (const edge of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)]) instants.push(edge - 1000, edge, edge + 1000);
    for (const t of instants) {
      const ours = pragueOffsetSeconds(t / 1000) === 7200 ? '+02:00' : '+01:00';
      expect([new Date(t).toISOString(), ours]).toEqual([new Date(t).toISOString(), pragueOffsetViaIntl(t)]);
    }
  });

  it('civil dates round-trip', () => {
    for (let d = -1000; d < 40_000; d += 97) {
      const [y, m, day] = civilFromDays(d);
      expect(daysFromCivil(y, m, day)).toBe(d);
    }
    expect(civilFromDays(daysFromCivil(2024, 2, 29))).toEqual([2024, 2, 29]);
  });
});

describe('formatTimestamp', () => {
  const us = (iso: string, extraMicros = 0) => Date.parse(iso) * 1000 + extraMicros;

  it('writes local time with the offset of that instant, or Z', () => {
    expect(formatTimestamp(us('2024-05-02T06:58:58.888Z', 364), 'local')).toBe('2024-05-02T08:58:58.888364+02:00');
    expect(formatTimestamp(us('2024-01-15T23:30:00Z'), 'local')).toBe('2024-01-16T00:30:00+01:00');
    expect(formatTimestamp(us('2024-01-15T23:30:00.5Z'), 'utc')).toBe('2024-01-15T23:30:00.5Z');
  });

  it('trims trailing zeros (0–6 digits) and sometimes adds a 7th digit, always parsing back to the same µs', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const step = 10 ** ((i >> 3) % 7);
      const t = Math.round((us('2026-03-29T00:30:00Z') + i * 1_234_567 + i * 7) / step) * step;
      const s = formatTimestamp(t, i % 2 ? 'utc' : 'local');
      seen.add(/\.(\d+)/.exec(s)?.[1].length ?? 0);
      expect(parseTimestampUs(s)).toBe(t);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('formatDuration', () => {
  it('writes ISO 8601 durations like .NET', () => {
    expect(formatDuration(0)).toBe('PT0S');
    expect(formatDuration(28_361_636)).toBe('PT28.361636S');
    expect(formatDuration((13 * 60 + 40.7) * 1e6)).toBe('PT13M40.7S');
    expect(formatDuration(3600e6)).toBe('PT1H');
    expect(formatDuration(61e6)).toBe('PT1M1S');
    expect(formatDuration(86_400e6)).toBe('P1D');
    expect(formatDuration((86_400 + 2 * 3600 + 3 * 60 + 4.5) * 1e6)).toBe('P1DT2H3M4.5S');
  });

  it('round-trips through a parser', () => {
    for (let v = 0; v < 3 * 86_400e6; v += 7_777_777_777 + 13) expect(parseDurationUs(formatDuration(v))).toBe(v);
  });
});

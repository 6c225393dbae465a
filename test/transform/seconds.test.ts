import { describe, expect, it } from '@jest/globals';
import { durationSeconds, microsToSeconds, QualityFlags } from '../../src/transform/index.js';

describe('M-0.1 seconds with millisecond precision, rounded half away from zero on the exact value', () => {
  it.each([
    [0, 0],
    [1, 0],
    [499, 0],
    [500, 0.001],
    [12_500, 0.013], // 0.0125 s: binary floating point would give 0.012
    [12_499, 0.012],
    [123_981, 0.124],
    [6_487_655, 6.488],
    [21_750_000, 21.75],
    [162_872_865, 162.873],
    [820_715_191, 820.715],
    [1_000_500, 1.001],
    [2_675_500, 2.676],
    [-500, -0.001],
    [-12_500, -0.013],
    [-499, -0],
  ])('%i µs → %d s', (micros, seconds) => {
    expect(microsToSeconds(micros)).toBe(seconds);
  });

  it('M-0.1 every whole number of ms comes out as the exact 3-decimal number', () => {
    for (let ms = 0; ms < 200_000; ms += 7) {
      expect(microsToSeconds(ms * 1000 + 500)).toBe(Number(((ms + 1) / 1000).toFixed(3)));
    }
  });
});

describe('durationSeconds (M-0.2 NULL vs 0, M-0.3 negative → NULL + flag)', () => {
  it.each([
    ['missing input → NULL, no flag (M-0.2)', NaN, null, []],
    ['zero → 0, not NULL (M-0.2)', 0, 0, []],
    ['positive', 1_234_567, 1.235, []],
    ['negative → NULL + negative_<metric> (M-0.3), never clamped', -1, null, ['negative_waiting']],
    ['largest numeric(12,3)', 999_999_999_999_499, 999_999_999.999, []],
    ['too large for numeric(12,3) → NULL + out_of_range_<metric>', 999_999_999_999_500, null, ['out_of_range_waiting']],
  ])('%s', (_name, micros, expected, expectedFlags) => {
    const flags = new QualityFlags();
    expect(durationSeconds(micros, 'waiting', flags)).toBe(expected);
    expect(flags.toArray()).toEqual(expectedFlags);
  });
});

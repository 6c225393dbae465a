import { describe, expect, it } from '@jest/globals';
import { parseIsoDuration } from '../../src/transform/index.js';

describe('parseIsoDuration (M-0.4: waited/length as ISO 8601 durations)', () => {
  it.each([
    ['PT0S', 0],
    ['-PT0S', 0],
    ['PT28.361636S', 28_361_636],
    ['PT13M40.7S', 820_700_000],
    ['PT13M40.715191S', 820_715_191],
    ['P1DT2H3M4.5S', ((24 + 2) * 3600 + 3 * 60 + 4) * 1e6 + 500_000],
    ['-PT1M', -60_000_000],
    ['-P1DT2H3M4.5S', -(((24 + 2) * 3600 + 3 * 60 + 4) * 1e6 + 500_000)],
    ['P1D', 86_400_000_000],
    ['P2W', 14 * 86_400_000_000],
    ['PT1H', 3_600_000_000],
    ['PT90M', 5_400_000_000],
    ['PT0.000001S', 1],
    ['PT5S', 5_000_000],
    ['PT0.5S', 500_000],
    // .NET writes up to 7 digits: rounded to µs half away from zero on the decimal digits.
    ['PT1.1234565S', 1_123_457],
    ['PT1.1234564S', 1_123_456],
    ['PT1.9999995S', 2_000_000],
    ['-PT1.0000005S', -1_000_001],
    ['PT0.00000049S', 0],
  ])('%s → %i µs', (text, micros) => {
    expect(parseIsoDuration(text)).toBe(micros);
  });

  it.each([
    [''],
    ['P'],
    ['PT'],
    ['P1DT'],
    ['T5S'],
    ['5S'],
    ['PT5'],
    ['PT5s'],
    ['pt5S'],
    ['+PT5S'],
    ['--PT5S'],
    ['P1Y'], // calendar units have no fixed length in seconds
    ['P1M'],
    ['P1Y2M3DT4H'],
    ['PT1.5M'], // fractions only on seconds
    ['PT5.S'],
    ['PT.5S'],
    ['PT1S2M'], // designators out of order
    ['PT1M1M'],
    ['P1DT1H2D'],
    ['PT1HT2M'],
    ['00:13:40.7151910'], // .NET TimeSpan text, not ISO 8601
    ['PT13M40.7S '],
    ['PT9999999999999S'], // too many digits to be exact
  ])('unparseable → NaN, no exception: %j', (text) => {
    expect(parseIsoDuration(text)).toBeNaN();
  });
});

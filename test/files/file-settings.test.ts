/** The settings of downloads (README "Configuration"): documented defaults, units, clear messages. */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('download settings', () => {
  it('default to a 10 minute deadline per 100 MiB, files up to 4 GiB, and 1 GiB kept free', () => {
    expect(loadConfig({})).toMatchObject({ fileTimeoutMs: 600_000, maxFileBytes: 4 * 2 ** 30, filesMinFreeBytes: 2 ** 30 });
  });

  it.each([
    ['4294967296', 4294967296],
    ['4GiB', 4 * 2 ** 30],
    ['500MB', 500_000_000],
    ['1.5 GiB', 1.5 * 2 ** 30],
    ['2tb', 2e12],
  ])('MLUVII_MAX_FILE_BYTES=%s is %d bytes', (raw, bytes) => {
    expect(loadConfig({ MLUVII_MAX_FILE_BYTES: raw }).maxFileBytes).toBe(bytes);
  });

  it('MLUVII_FILES_MIN_FREE may be 0 (no reserve); MLUVII_MAX_FILE_BYTES may not', () => {
    expect(loadConfig({ MLUVII_FILES_MIN_FREE: '0' }).filesMinFreeBytes).toBe(0);
    expect(() => loadConfig({ MLUVII_MAX_FILE_BYTES: '0' })).toThrow('MLUVII_MAX_FILE_BYTES must be a number of bytes, such as 4294967296, 4GiB or 500MB, got "0"');
  });

  it.each([
    ['MLUVII_MAX_FILE_BYTES', 'lots', 'MLUVII_MAX_FILE_BYTES must be a number of bytes, such as 4294967296, 4GiB or 500MB, got "lots"'],
    ['MLUVII_MAX_FILE_BYTES', '-5', 'MLUVII_MAX_FILE_BYTES must be a number of bytes'],
    ['MLUVII_MAX_FILE_BYTES', '99999999PB', 'MLUVII_MAX_FILE_BYTES must be a number of bytes'],
    ['MLUVII_FILES_MIN_FREE', '1GB free', 'MLUVII_FILES_MIN_FREE must be a number of bytes, 0 or more, such as'],
    ['MLUVII_FILE_TIMEOUT', 'forever', 'MLUVII_FILE_TIMEOUT must be a duration such as 30m, 12h, 1d or 7d, got "forever"'],
  ])('%s=%s is refused, naming the setting', (name, raw, message) => {
    let err: unknown;
    try {
      loadConfig({ [name]: raw });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(message);
  });
});

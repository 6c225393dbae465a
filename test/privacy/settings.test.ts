/** RAW_RETENTION and REJECTS_RETENTION (docs/privacy.md): read, defaulted, and refused by name when malformed. */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const DAY = 86_400_000;

describe('retention settings', () => {
  it('keep payloads as received unless RAW_RETENTION is set, and rejects 90 days unless REJECTS_RETENTION says otherwise', () => {
    expect(loadConfig({})).toMatchObject({ rawRetentionMs: undefined, rejectsRetentionMs: 90 * DAY });
    expect(loadConfig({ RAW_RETENTION: '400d', REJECTS_RETENTION: '2w' })).toMatchObject({ rawRetentionMs: 400 * DAY, rejectsRetentionMs: 14 * DAY });
  });

  it.each([
    ['RAW_RETENTION', '12h', /RAW_RETENTION must be a duration of at least a day such as 90d or 400d \(unset keeps the payloads as received\), got "12h"/],
    ['RAW_RETENTION', 'forever', /RAW_RETENTION must be a duration/],
    ['REJECTS_RETENTION', '0d', /REJECTS_RETENTION must be a duration of at least a day .*\(default 90d\), got "0d"/],
    ['REJECTS_RETENTION', '-5d', /REJECTS_RETENTION must be a duration/],
  ])('refuse %s=%s, naming it', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
  });
});

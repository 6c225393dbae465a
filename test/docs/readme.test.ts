/** What the README shows must match what the product does (its `doctor` sample once said "all 5 migrations applied" when there were 10). */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ExtensionlessMigrationSource } from '../../src/db/migrations.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it("the doctor sample counts the migrations this release has", async () => {
    const shown = /all (\d+) migrations applied/.exec(readme);
    expect(shown).not.toBeNull();
    expect(Number(shown?.[1])).toBe((await new ExtensionlessMigrationSource().getMigrations()).length);
  });

  it('the doctor sample has a line for every check doctor makes of a reachable tenant and warehouse', () => {
    const sample = readme.slice(readme.indexOf('mluvii-etl doctor: API'));
    for (const name of ['token', 'list', 'limit', 'order', 'detail', 'routing', 'campaigns', 'users', 'clock', 'rate limit', 'measured', 'database', 'migrated', 'reader role', 'privileges', 'anonymized', 'retention']) {
      expect({ name, shown: new RegExp(`^(ok|warn|FAIL) +${name} `, 'm').test(sample) }).toEqual({ name, shown: true });
    }
  });
});

import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSources, transformVersion } from '../../src/util/transform-version.js';

describe('transform version (a hash of the transform source, stored in every inputs key)', () => {
  it('is stable, and changes with any change to the transform code: an edit, a new file, a removed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transform-src-'));
    try {
      cpSync(join(process.cwd(), 'src', 'transform'), dir, { recursive: true });
      const original = hashSources(dir);
      expect(hashSources(dir)).toBe(original);
      expect(original).toBe(transformVersion()); // the running program hashes exactly these files

      appendFileSync(join(dir, 'session-durations.ts'), '\n// a metrics fix\n');
      const edited = hashSources(dir);
      expect(edited).not.toBe(original);

      writeFileSync(join(dir, 'new-rule.ts'), 'export const x = 1;\n');
      const added = hashSources(dir);
      expect(added).not.toBe(edited);

      rmSync(join(dir, 'new-rule.ts'));
      expect(hashSources(dir)).toBe(edited);
      writeFileSync(join(dir, 'types.d.ts'), 'export {};\n'); // declarations are not code
      expect(hashSources(dir)).toBe(edited);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSources, transformSharedFiles, transformVersion } from '../../src/util/transform-version.js';

describe('transform version (a hash of the transform source, stored in every inputs key)', () => {
  it('is stable, and changes with any change to the transform code: an edit, a new file, a removed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transform-src-'));
    try {
      cpSync(join(process.cwd(), 'src', 'transform'), dir, { recursive: true });
      const shared = transformSharedFiles(join(process.cwd(), 'src'));
      const original = hashSources(dir, shared);
      expect(hashSources(dir, shared)).toBe(original);
      expect(original).toBe(transformVersion()); // the running program hashes exactly these files
      expect(hashSources(dir)).not.toBe(original); // the shared modules the transform runs are part of it

      appendFileSync(join(dir, 'session-durations.ts'), '\n// a metrics fix\n');
      const edited = hashSources(dir, shared);
      expect(edited).not.toBe(original);

      writeFileSync(join(dir, 'new-rule.ts'), 'export const x = 1;\n');
      const added = hashSources(dir, shared);
      expect(added).not.toBe(edited);

      rmSync(join(dir, 'new-rule.ts'));
      expect(hashSources(dir, shared)).toBe(edited);
      writeFileSync(join(dir, 'types.d.ts'), 'export {};\n'); // declarations are not code
      expect(hashSources(dir, shared)).toBe(edited);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

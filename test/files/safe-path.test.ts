import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { dayInZone, isPortablePath, MAX_NAME_BYTES, portableStoredPath, resolveInside, safeFileName, storedRelativePath } from '../../src/files/safe-path.js';
import { isPreSignedUrl } from '../../src/mluvii/presigned-url.js';

describe('safeFileName: a name from the payload can never escape its folder', () => {
  it.each([
    ['rec_1.ogg', 'rec_1.ogg'],
    ['../../../../etc/passwd', 'passwd'],
    ['/etc/cron.d/evil', 'evil'],
    ['C:\\Windows\\System32\\evil.dll', 'evil.dll'],
    ['a/../../b.txt', 'b.txt'],
    ['inv\u0000oice.pdf', 'inv_oice.pdf'],
    ['..', 'file'],
    ['.', 'file'],
    ['.bashrc', 'bashrc'],
    ['...hidden', 'hidden'],
    ['   ', 'file'],
    ['', 'file'],
    [null, 'file'],
    ['line\nbreak\r.txt', 'line_break_.txt'],
    ['\u202Egpj.exe', '_gpj.exe'],
    ['smlouva žluťoučký kůň.pdf', 'smlouva žluťoučký kůň.pdf'],
    ['a:b*c?"<>|.txt', 'a_b_c_____.txt'],
    ['dir/', 'file'],
    ['report.', 'report'],
    ['notes . ', 'notes'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1.pdf', '_com1.pdf'],
    ['console.pdf', 'console.pdf'],
  ])('%j → %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });

  it('cuts a very long name to MAX_NAME_BYTES of UTF-8, keeping the extension and whole characters', () => {
    const long = safeFileName(`${'ž'.repeat(400)}.pdf`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(long.endsWith('.pdf')).toBe(true);
    expect(long).not.toContain('\uFFFD');
    expect(safeFileName('x'.repeat(1000))).toBe('x'.repeat(MAX_NAME_BYTES));
  });

  it('every name of many random strings stays one path component inside the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'safe-'));
    const alphabet = ['/', '\\', '.', '..', '\u0000', 'a', 'ž', ' ', '\n', ':', '~', '$', '%2e', '\uD800'];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      let name = '';
      const n = Math.floor(rand() * 30);
      for (let j = 0; j < n; j++) name += alphabet[Math.floor(rand() * alphabet.length)];
      const rel = storedRelativePath('2026-05-04', 12, 'file:34', name);
      const full = resolveInside(root, rel);
      expect(full.startsWith(resolve(root) + sep + '2026-05-04' + sep + '12' + sep + 'file-34-')).toBe(true);
      expect(rel.split('/')).toHaveLength(3);
      expect([name, isPortablePath(rel)]).toEqual([name, true]);
    }
  });
});

describe('portable names: any file system, Windows and sync tools included, takes every stored path', () => {
  it('the file key loses its colon, and every component stays within 255 bytes', () => {
    expect(storedRelativePath('2026-05-04', 236074000100, 'recording:88001', 'rec_7400999_op4.ogg')).toBe('2026-05-04/236074000100/recording-88001-rec_7400999_op4.ogg');
    const long = storedRelativePath('2026-05-04', 1, 'file:999999999999', `${'ž'.repeat(300)}.pdf`);
    expect(Buffer.byteLength(long.split('/')[2])).toBeLessThanOrEqual(255);
    expect(isPortablePath(long)).toBe(true);
  });

  it.each([
    ['2026-05-04/1/recording:2-a.ogg', false],
    ['2026-05-04/1/file-3-report.', false],
    ['2026-05-04/1/file-3-a\\b.pdf', false],
    ['2026-05-04/1/AUX', false],
    ['2026-05-04/1/recording-2-a.ogg', true],
  ])('isPortablePath(%j) is %s', (rel, ok) => {
    expect(isPortablePath(rel)).toBe(ok);
  });

  it('an older name is renamed in its own folders, the key made portable, the rest of the name kept', () => {
    expect(portableStoredPath('2026-05-04/236074000100/recording:88001-rec_call.ogg', 'recording:88001')).toBe('2026-05-04/236074000100/recording-88001-rec_call.ogg');
    expect(portableStoredPath('2026-05-04/7/file:12-smlouva kůň.pdf', 'file:12')).toBe('2026-05-04/7/file-12-smlouva kůň.pdf');
    expect(portableStoredPath('2026-05-04/7/file:12-report.', 'file:12')).toBe('2026-05-04/7/file-12-report');
  });
});

describe('resolveInside', () => {
  it.each(['../x', '/etc/passwd', '', '.', 'a/../../x'])('refuses %j', (rel) => {
    expect(() => resolveInside('/srv/files', rel)).toThrow(/outside the files folder/);
  });
  it('accepts a path below the folder', () => {
    expect(resolveInside('/srv/files', '2026-05-04/1/recording:2-a.ogg')).toBe('/srv/files/2026-05-04/1/recording:2-a.ogg');
  });
});

describe('dayInZone: the folder day is the session\'s day in REPORT_TZ, not UTC nor the machine\'s zone', () => {
  it.each([
    ['2026-05-04T21:59:59.999Z', 'Europe/Prague', '2026-05-04'],
    ['2026-05-04T22:00:00.000Z', 'Europe/Prague', '2026-05-05'],
    ['2026-03-29T00:30:00Z', 'Europe/Prague', '2026-03-29'],
    ['2026-05-04T22:00:00.000Z', 'UTC', '2026-05-04'],
    ['2026-05-05T03:00:00Z', 'America/New_York', '2026-05-04'],
  ])('%s in %s is %s', (at, tz, day) => {
    expect(dayInZone(new Date(at), tz)).toBe(day);
  });
});

describe('isPreSignedUrl: the rule for sending a foreign downloadUrl a GET without the token', () => {
  it.each([
    ['https://s3.eu-central-1.amazonaws.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Signature=abc', true],
    ['https://b.s3.amazonaws.com/k?x-amz-credential=a&x-amz-signature=abc', true],
    ['https://d111.cloudfront.net/k?Expires=1700000000&Signature=abc&Key-Pair-Id=K', true],
    ['https://storage.googleapis.com/b/k?X-Goog-Credential=a&X-Goog-Signature=abc', true],
    ['https://acct.blob.core.windows.net/c/k?sv=2022-11-02&se=2026-01-01&sig=abc', true],
    ['https://cdn.example.com/k', false],
    ['https://cdn.example.com/k?X-Amz-Signature=', false],
    ['https://cdn.example.com/k?X-Amz-Signature=abc', false],
    ['https://cdn.example.com/k?sig=abc', false],
    ['https://cdn.example.com/k?token=abc', false],
    ['https://cdn.example.com/k?Signature=abc', false],
  ])('%s → %s', (url, presigned) => {
    expect(isPreSignedUrl(new URL(url))).toBe(presigned);
  });
});

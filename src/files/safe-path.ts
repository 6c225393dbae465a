/**
 * Where a downloaded file goes under MLUVII_FILES_DIR: `<day>/<session_id>/<file_key>-<safe name>`,
 * `day` being the session's creation day in REPORT_TZ. The name comes from the payload (a guest
 * may have chosen it), so it is made safe: it can never climb out of its folder, never be hidden
 * or special, never hold a NUL or a control character, and never be longer than a file system allows.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Bytes of UTF-8 a safe name keeps (most file systems allow 255 per path component). */
export const MAX_NAME_BYTES = 120;

/** Keeps letters, digits, and . _ - ( ) + and spaces; everything else becomes `_`. */
export function safeFileName(name: string | null | undefined, maxBytes = MAX_NAME_BYTES): string {
  let base = (name ?? '').normalize('NFC');
  // Only the last path component counts: "../../etc/passwd" → "passwd", "C:\\x\\y.pdf" → "y.pdf".
  base = base.split(/[/\\]/).pop() ?? '';
  base = base
    .replace(/[^\p{L}\p{N}\p{M} ._()+-]/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, ''); // no hidden files, no "." or ".."
  if (Buffer.byteLength(base, 'utf8') > maxBytes) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 && base.length - dot <= 12 ? base.slice(dot) : '';
    let stem = base.slice(0, base.length - ext.length);
    while (Buffer.byteLength(stem + ext, 'utf8') > maxBytes) stem = [...stem].slice(0, -1).join('');
    base = stem.trimEnd() + ext;
  }
  return base === '' || /^[._ -]*$/.test(base) ? 'file' : base;
}

/** A file_key (`recording:12`, `file:34`) as a path component: our own text, checked all the same. */
function safeKey(fileKey: string): string {
  return fileKey.replace(/[^A-Za-z0-9:_-]/g, '_');
}

/** The path relative to MLUVII_FILES_DIR, with `/` separators (as stored in core.file_downloads). */
export function storedRelativePath(day: string, sessionId: number, fileKey: string, name: string | null): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a day: ${day}`);
  if (!Number.isSafeInteger(sessionId)) throw new RangeError(`not a session id: ${sessionId}`);
  return `${day}/${sessionId}/${safeKey(fileKey)}-${safeFileName(name)}`;
}

/** The absolute path of `rel` under `root`; throws if it would be anywhere else (belt and braces). */
export function resolveInside(root: string, rel: string): string {
  const base = resolve(root);
  const full = resolve(base, rel);
  const back = relative(base, full);
  if (back === '' || back.startsWith('..') || isAbsolute(back) || full.includes('\u0000') || !full.startsWith(base + sep)) {
    throw new RangeError(`refusing a path outside the files folder: ${JSON.stringify(rel)}`);
  }
  return full;
}

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
export function dayInZone(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

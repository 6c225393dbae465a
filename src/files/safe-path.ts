/**
 * Where a downloaded file goes under MLUVII_FILES_DIR: `<day>/<session_id>/<kind>-<id>-<safe name>`,
 * `day` being the session's creation day in REPORT_TZ. The name comes from the payload (a guest
 * may have chosen it), so it is made safe: it can never climb out of its folder, never be hidden
 * or special, never hold a NUL or a control character, and never be longer than a file system allows.
 * It is also portable: a copy of the folder can be kept on Windows or by a sync tool, so no `:`
 * or `\`, no name that ends in a dot or a space, no device name (CON, NUL, COM1 …), and no
 * component over 255 bytes.
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
    .replace(/^[.\s]+/, '') // no hidden files, no "." or ".."
    .replace(/[.\s]+$/, ''); // Windows drops a trailing dot or space: "a." and "a" would be one file
  if (Buffer.byteLength(base, 'utf8') > maxBytes) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 && base.length - dot <= 12 ? base.slice(dot) : '';
    let stem = base.slice(0, base.length - ext.length);
    while (Buffer.byteLength(stem + ext, 'utf8') > maxBytes) stem = [...stem].slice(0, -1).join('');
    base = stem.replace(/[.\s]+$/, '') + ext;
  }
  if (base === '' || /^[._ -]*$/.test(base)) return 'file';
  // Device names are reserved on Windows whatever the extension ("con.txt" is the console).
  return WINDOWS_DEVICE.test(base) ? `_${base}` : base;
}

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Bytes one path component may have on the common file systems (ext4, NTFS, APFS). */
export const MAX_COMPONENT_BYTES = 255;

/**
 * A file_key (`recording:12`, `file:34`) as the start of a file name: `recording-12`. The key is
 * our own text, checked all the same; `:` is what Windows and sync tools refuse.
 */
export function portableKey(fileKey: string): string {
  return fileKey.replace(/:/g, '-').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The path relative to MLUVII_FILES_DIR, with `/` separators (as stored in core.file_downloads). */
export function storedRelativePath(day: string, sessionId: number, fileKey: string, name: string | null): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a day: ${day}`);
  if (!Number.isSafeInteger(sessionId)) throw new RangeError(`not a session id: ${sessionId}`);
  const key = portableKey(fileKey);
  return `${day}/${sessionId}/${key}-${safeFileName(name, Math.min(MAX_NAME_BYTES, MAX_COMPONENT_BYTES - key.length - 1))}`;
}

/** Whether a stored path is one a portable file system takes as it is (see the file comment). */
export function isPortablePath(rel: string): boolean {
  return rel.split('/').every(
    (c) =>
      c !== '' && c !== '.' && c !== '..' && Buffer.byteLength(c, 'utf8') <= MAX_COMPONENT_BYTES &&
      !/[\u0000-\u001f\u007f:\\*?"<>|]/.test(c) && !/[. ]$/.test(c) && !WINDOWS_DEVICE.test(c),
  );
}

/**
 * The portable path of a copy stored under an older naming rule (`recording:12-a.ogg`): the same
 * day and session folders, the key made portable, the name made safe by today's rule.
 */
export function portableStoredPath(rel: string, fileKey: string): string {
  const parts = rel.split('/');
  const base = parts.pop() ?? '';
  const oldKey = fileKey.replace(/[^A-Za-z0-9:_-]/g, '_');
  const name = base.startsWith(`${oldKey}-`) ? base.slice(oldKey.length + 1) : base;
  const key = portableKey(fileKey);
  const safeDirs = parts.map((p) => (isPortablePath(p) ? p : safeFileName(p)));
  return [...safeDirs, `${key}-${safeFileName(name, Math.min(MAX_NAME_BYTES, MAX_COMPONENT_BYTES - key.length - 1))}`].join('/');
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

/**
 * The path a stored copy keeps once its session's personal data is removed (RAW_RETENTION,
 * docs/privacy.md): the same folders, the key, and no name — `file` and the extension only
 * (`…/recording-88001-file.ogg`), so nothing on disk says what the guest called it.
 */
export function namelessStoredPath(rel: string, fileKey: string): string {
  const parts = rel.split('/');
  const base = parts.pop() ?? '';
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(base)?.[0] ?? '';
  return [...parts, `${portableKey(fileKey)}-file${ext.toLowerCase()}`].join('/');
}

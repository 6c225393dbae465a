/** Test-side parsers with microsecond precision (Date keeps only ms). */

/** An ISO 8601 timestamp with an offset or Z → µs since the epoch (a 7th fractional digit is dropped). */
export function parseTimestampUs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) throw new Error(`not an ISO timestamp: ${text}`);
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  const offsetMin = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  return (base - offsetMin * 60_000) * 1000 + micros;
}

/** An ISO 8601 duration (PnDTnHnMn.nS) → µs. */
export function parseDurationUs(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,7}))?S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new Error(`not an ISO duration: ${text}`);
  const sec = Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return sec * 1_000_000 + Number((m[5] ?? '').slice(0, 6).padEnd(6, '0'));
}

const prague = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Prague', timeZoneName: 'longOffset' });
const offsetByHour = new Map<number, string>();

/** Europe/Prague's offset at an instant as "+01:00"/"+02:00", from Intl (the reference the generator must match). */
export function pragueOffsetViaIntl(ms: number): string {
  // Offsets change only on whole UTC hours, so one Intl call per hour is exact.
  const hour = Math.floor(ms / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const part = prague.formatToParts(new Date(hour * 3_600_000)).find((p) => p.type === 'timeZoneName')?.value;
    offset = (part ?? 'GMT+00:00').replace('GMT', '') || '+00:00';
    offsetByHour.set(hour, offset);
  }
  return offset;
}

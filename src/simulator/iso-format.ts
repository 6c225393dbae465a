/**
 * ISO 8601 timestamps and durations the way the mluvii API writes them:
 * `2024-05-02T08:58:58.888364+02:00` in Europe/Prague local time (DST-correct) or with `Z`,
 * 0–7 fractional digits with trailing zeros trimmed (what .NET's serializers do), and durations
 * such as `PT28.361636S`, `PT13M40.7S`, `PT0S`, `P1DT2H3M4.5S`.
 *
 * Instants are integer microseconds since the epoch (exact in a double until the year 2255), so
 * durations computed from them match the printed timestamps to the microsecond. No Date objects and
 * no Intl on this path: the generator formats millions of timestamps.
 */
import { daysFromCivil } from '../transform/iso-instant.js';

const US_PER_SEC = 1_000_000;
const SEC_PER_DAY = 86_400;

// The civil-date arithmetic is the transform's (one implementation for both sides).
export { daysFromCivil };

/** The inverse: days since 1970-01-01 → [year, month 1–12, day 1–31]. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

function lastSundayOf(year: number, month: number): number {
  const last = daysFromCivil(year, month + 1, 1) - 1;
  return last - weekdayOfDays(last);
}

/** [DST start, DST end) in epoch seconds for one year: EU rule, last Sunday of March/October at 01:00 UTC. */
const dstCache = new Map<number, [number, number]>();
function dstBounds(year: number): [number, number] {
  let b = dstCache.get(year);
  if (!b) {
    b = [lastSundayOf(year, 3) * SEC_PER_DAY + 3600, lastSundayOf(year, 10) * SEC_PER_DAY + 3600];
    dstCache.set(year, b);
  }
  return b;
}

/**
 * Europe/Prague's UTC offset in seconds at an instant (3600 in winter, 7200 in summer).
 * Uses the EU rule in force since 1996 for every year; the simulator never needs older history.
 */
export function pragueOffsetSeconds(epochSec: number): number {
  const [year] = civilFromDays(Math.floor(epochSec / SEC_PER_DAY));
  const [start, end] = dstBounds(year);
  return epochSec >= start && epochSec < end ? 7200 : 3600;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' + i : String(i)));
const pad2 = (n: number) => PAD2[n] ?? String(n);

/**
 * Concatenation builds a rope (a tree of string pieces) that V8 keeps until something reads it;
 * reading one character flattens it into a single string, so the millions of timestamps the
 * generator keeps alive cost one heap object each instead of ten (garbage collection dominated
 * generation time before this).
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

// The date part of the last formatted day: most timestamps of a session fall on one day.
let cachedDay = Number.NaN;
let cachedDate = '';
function datePart(days: number): string {
  if (days !== cachedDay) {
    const [y, m, d] = civilFromDays(days);
    cachedDay = days;
    cachedDate = `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
  }
  return cachedDate;
}

/** `.123456` → `.123456`, 500000 → `.5`, 0 → `` (trailing zeros trimmed, as .NET does). */
function fraction(micros: number): string {
  if (micros === 0) return '';
  let s = String(micros).padStart(6, '0');
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  s = s.slice(0, end);
  return '.' + s;
}

export type TimestampStyle = 'local' | 'utc';

/**
 * Formats an instant (µs). Six-digit fractions sometimes get a seventh, sub-microsecond digit,
 * chosen from the value itself so the output stays deterministic: .NET ticks are 100 ns.
 */
export function formatTimestamp(us: number, style: TimestampStyle): string {
  const sec = Math.floor(us / US_PER_SEC);
  const micros = us - sec * US_PER_SEC;
  const offset = style === 'utc' ? 0 : pragueOffsetSeconds(sec);
  const local = sec + offset;
  const days = Math.floor(local / SEC_PER_DAY);
  let sod = local - days * SEC_PER_DAY;
  const hh = Math.floor(sod / 3600);
  sod -= hh * 3600;
  const mm = Math.floor(sod / 60);
  const ss = sod - mm * 60;
  let frac = fraction(micros);
  if (frac.length === 7 && us % 7 === 3) frac += String(1 + (Math.floor(us / 7) % 9));
  const zone = style === 'utc' ? 'Z' : offset === 7200 ? '+02:00' : '+01:00';
  return flat(`${datePart(days)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${frac}${zone}`);
}

/** An ISO 8601 duration of a non-negative number of µs: `PT0S`, `PT28.361636S`, `PT13M40.7S`, `P1DT2H0M`… */
export function formatDuration(us: number): string {
  if (!(us > 0)) return 'PT0S';
  const days = Math.floor(us / (SEC_PER_DAY * US_PER_SEC));
  let rest = us - days * SEC_PER_DAY * US_PER_SEC;
  const h = Math.floor(rest / (3600 * US_PER_SEC));
  rest -= h * 3600 * US_PER_SEC;
  const m = Math.floor(rest / (60 * US_PER_SEC));
  rest -= m * 60 * US_PER_SEC;
  const s = Math.floor(rest / US_PER_SEC);
  const micros = rest - s * US_PER_SEC;
  let out = 'P';
  if (days > 0) out += `${days}D`;
  if (h > 0 || m > 0 || rest > 0) {
    out += 'T';
    if (h > 0) out += `${h}H`;
    if (m > 0) out += `${m}M`;
    if (rest > 0) out += `${s}${fraction(micros)}S`;
  }
  return flat(out);
}

/** Rounds an instant (µs) up to `digits` fractional digits of a second (0–6). */
export function ceilToDigits(us: number, digits: number): number {
  const step = 10 ** (6 - digits);
  return Math.ceil(us / step) * step;
}

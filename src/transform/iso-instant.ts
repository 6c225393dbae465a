/**
 * ISO 8601 instants → integer microseconds since the Unix epoch (M-0.4), without losing precision.
 *
 * JS Date keeps milliseconds only, while the API sends 6–7 fractional digits; durations are
 * differences of two such instants rounded to milliseconds (M-0.1), so a parse through Date would
 * shift results by up to a millisecond. Here the string is read by hand into a plain number of
 * microseconds, which is exact for any instant within ±285 years of 1970.
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z | ±HH:MM | ±HHMM | ±HH)`, `T`/`Z` in either case,
 * any number of fractional digits. Everything else — including a missing offset (ambiguous), an
 * out-of-range field (month 13, 30 Feb, 24:00, leap second 60, offset beyond ±15:59) and years
 * outside [MIN_YEAR, MAX_YEAR] — is unparseable: the result is NaN, never an exception.
 */

/**
 * Outside these years a microsecond count no longer fits a double exactly (2^53 µs ≈ 285 years).
 * No contact-center event is that old or new; this also makes .NET's `0001-01-01T00:00:00+00:00`
 * "no value" sentinel unparseable instead of a 2000-year duration.
 */
export const MIN_YEAR = 1700;
export const MAX_YEAR = 2250;

/** Postgres refuses offsets of 16 hours or more. */
const MAX_OFFSET_HOURS = 15;

const CHAR_0 = 48;
const CHAR_T = 84;
const CHAR_t = 116;
const CHAR_Z = 90;
const CHAR_z = 122;
const CHAR_DOT = 46;
const CHAR_COLON = 58;
const CHAR_DASH = 45;
const CHAR_PLUS = 43;

/** Two decimal digits at `i`, or -1. (charCodeAt past the end is NaN, which fails the range test.) */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - CHAR_0;
  const b = text.charCodeAt(i + 1) - CHAR_0;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Postgres's rint(): round to nearest, ties to even. Postgres reads a fraction with more than six
 * digits as a double and rounds `fraction * 1e6` this way (ParseFractionalSecond), so
 * `.0000025` becomes 2 µs, not 3. Doing the same keeps our durations equal to differences of
 * the timestamptz values Postgres stores from the very same strings.
 */
function rintHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Microseconds since the epoch, or NaN when `text` is not an ISO 8601 instant with an offset. */
export function parseIsoInstant(text: string): number {
  const n = text.length;
  if (n < 20) return NaN; // the shortest form is YYYY-MM-DDTHH:MM:SSZ

  const yHi = twoDigits(text, 0);
  const yLo = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const sep = text.charCodeAt(10);
  if (
    yHi < 0 || yLo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
    minute > 59 || second < 0 || second > 59 ||
    text.charCodeAt(4) !== CHAR_DASH || text.charCodeAt(7) !== CHAR_DASH || (sep !== CHAR_T && sep !== CHAR_t) ||
    text.charCodeAt(13) !== CHAR_COLON || text.charCodeAt(16) !== CHAR_COLON
  ) {
    return NaN;
  }
  const year = yHi * 100 + yLo;
  if (year < MIN_YEAR || year > MAX_YEAR) return NaN;
  if (day > DAYS_IN_MONTH[month - 1] && !(month === 2 && day === 29 && isLeapYear(year))) return NaN;

  // Fraction of a second.
  let i = 19;
  let micros = 0;
  if (text.charCodeAt(i) === CHAR_DOT) {
    const start = ++i;
    let value = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - CHAR_0;
      if (!(d >= 0 && d <= 9)) break;
      if (i - start < 6) value = value * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0) return NaN;
    if (digits <= 6) {
      for (let k = digits; k < 6; k++) value *= 10;
      micros = value;
    } else {
      micros = rintHalfEven(Number(text.slice(start - 1, i)) * 1e6); // may be 1e6: carries into the second
    }
  }

  // Offset.
  let offsetSeconds = 0;
  const c = text.charCodeAt(i);
  if (c === CHAR_Z || c === CHAR_z) {
    i++;
  } else if (c === CHAR_PLUS || c === CHAR_DASH) {
    const oh = twoDigits(text, i + 1);
    if (oh < 0 || oh > MAX_OFFSET_HOURS) return NaN;
    i += 3;
    let om = 0;
    if (i < n) {
      if (text.charCodeAt(i) === CHAR_COLON) i++;
      om = twoDigits(text, i);
      if (om < 0 || om > 59) return NaN;
      i += 2;
    }
    offsetSeconds = (oh * 3600 + om * 60) * (c === CHAR_PLUS ? 1 : -1);
  } else {
    return NaN; // no offset: the instant would depend on the reader's time zone
  }
  if (i !== n) return NaN;

  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1e6 + micros;
}

/** A text that parseIsoInstant reads as NaN, and says why: the year out of range, or not the form. */
export function unparseableInstantReason(text: string): string {
  // The ISO 8601 form with any year, also an expanded one (+275760, what JS Date writes for its maximum).
  const year = /^([+-]\d{4,6}|\d{4})-\d{2}-\d{2}[Tt]/.exec(text)?.[1];
  const y = year === undefined ? NaN : Number(year);
  if (y < MIN_YEAR || y > MAX_YEAR) return `is out of range: year ${y} is not within ${MIN_YEAR}–${MAX_YEAR}, the years an instant is read for`;
  return 'is not an ISO 8601 instant';
}

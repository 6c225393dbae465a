/**
 * ISO 8601 durations (`waited`, `length`; M-0.4) → integer microseconds.
 *
 * The producer is probably .NET's XmlConvert: `PT0S`, `PT28.361636S`, `PT13M40.7S`,
 * `P1DT2H3M4.1234567S`, possibly with a leading `-`. Accepted grammar:
 * `[-]P[nW][nD][T[nH][nM][n[.f]S]]` with at least one component, and at least one after a `T`.
 * Years and months are refused (their length in seconds depends on the calendar), and so is a
 * fraction anywhere but on the seconds. Unparseable → NaN, never an exception.
 *
 * More than six fractional digits are rounded to the microsecond, half away from zero, on the
 * decimal digits themselves (no binary floating point involved).
 */

const CHAR_0 = 48;
const CHAR_DOT = 46;
const CHAR_P = 80;
const CHAR_T = 84;
const CHAR_W = 87;
const CHAR_D = 68;
const CHAR_H = 72;
const CHAR_M = 77;
const CHAR_S = 83;
const CHAR_DASH = 45;

/** Integer parts beyond this many digits cannot be exact microseconds anyway. */
const MAX_INT_DIGITS = 12;

// Order of the designators: each must come after the previous one (W before D, H before M before S).
const RANK_W = 1;
const RANK_D = 2;
const RANK_H = 3;
const RANK_M = 4;
const RANK_S = 5;

const MICROS_PER = [0, 7 * 86400e6, 86400e6, 3600e6, 60e6, 1e6];

/** Microseconds (negative for a leading `-`), or NaN when `text` is not such a duration. */
export function parseIsoDuration(text: string): number {
  const n = text.length;
  let i = 0;
  let sign = 1;
  if (text.charCodeAt(0) === CHAR_DASH) {
    sign = -1;
    i = 1;
  }
  if (text.charCodeAt(i) !== CHAR_P) return NaN;
  i++;

  let total = 0;
  let inTime = false;
  let lastRank = 0;
  let components = 0;
  let timeComponents = 0;
  while (i < n) {
    if (text.charCodeAt(i) === CHAR_T) {
      if (inTime) return NaN;
      inTime = true;
      i++;
      continue;
    }
    // An integer part …
    const start = i;
    let value = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - CHAR_0;
      if (!(d >= 0 && d <= 9)) break;
      value = value * 10 + d;
      i++;
    }
    const intDigits = i - start;
    if (intDigits === 0 || intDigits > MAX_INT_DIGITS) return NaN;
    // … an optional fraction (seconds only) …
    let fracMicros = 0;
    let hasFraction = false;
    if (text.charCodeAt(i) === CHAR_DOT) {
      hasFraction = true;
      const fracStart = ++i;
      while (i < n) {
        const d = text.charCodeAt(i) - CHAR_0;
        if (!(d >= 0 && d <= 9)) break;
        const pos = i - fracStart;
        if (pos < 6) fracMicros = fracMicros * 10 + d;
        else if (pos === 6 && d >= 5) fracMicros += 1; // the 7th digit decides the rounding
        i++;
      }
      const fracDigits = i - fracStart;
      if (fracDigits === 0) return NaN;
      for (let k = fracDigits; k < 6; k++) fracMicros *= 10;
    }
    // … and its designator.
    const designator = text.charCodeAt(i);
    let rank: number;
    if (!inTime) {
      if (designator === CHAR_W) rank = RANK_W;
      else if (designator === CHAR_D) rank = RANK_D;
      else return NaN; // Y, M (months) or garbage
    } else if (designator === CHAR_H) rank = RANK_H;
    else if (designator === CHAR_M) rank = RANK_M;
    else if (designator === CHAR_S) rank = RANK_S;
    else return NaN;
    if (rank <= lastRank || (hasFraction && rank !== RANK_S)) return NaN;
    lastRank = rank;
    i++;
    total += value * MICROS_PER[rank] + fracMicros;
    components++;
    if (inTime) timeComponents++;
  }
  if (components === 0 || (inTime && timeComponents === 0)) return NaN;
  if (total > Number.MAX_SAFE_INTEGER) return NaN;
  return total === 0 ? 0 : sign * total; // never -0: `-PT0S` is zero
}

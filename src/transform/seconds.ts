/**
 * Turning exact microsecond differences into the stored seconds (M-0.1, M-0.2, M-0.3).
 */
import type { QualityFlags } from './quality-flags.js';

/**
 * numeric(12,3) holds at most 999 999 999.999 s. A larger value would fail the whole window's
 * insert, so it is refused with a flag instead (only garbage timestamps get there).
 */
const MAX_STORABLE_MS = 999_999_999_999;

/**
 * M-0.1: seconds with three decimals, rounded half away from zero on the exact value. The
 * rounding happens on integers (µs → ms) and the one division by 1000 is correctly rounded, so
 * 12_500 µs gives exactly 0.013 — no binary floating point drift such as 0.0125 → 0.012.
 */
export function microsToSeconds(micros: number): number {
  const ms = micros >= 0 ? Math.floor((micros + 500) / 1000) : -Math.floor((-micros + 500) / 1000);
  return ms / 1000;
}

/**
 * One duration metric from a difference in µs (NaN = an input is missing or unparseable):
 * NaN → NULL (M-0.2); negative → NULL and `negative_<metric>` (M-0.3, never clamped to 0);
 * too large for the column → NULL and `out_of_range_<metric>`.
 */
export function durationSeconds(micros: number, metric: string, flags: QualityFlags): number | null {
  if (micros !== micros) return null;
  if (micros < 0) {
    flags.add(`negative_${metric}`);
    return null;
  }
  const ms = Math.floor((micros + 500) / 1000);
  if (ms > MAX_STORABLE_MS) {
    flags.add(`out_of_range_${metric}`);
    return null;
  }
  return ms / 1000;
}

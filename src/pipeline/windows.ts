import { UsageError } from '../errors.js';
import { DATE_ONLY, DAY_MS, dayjs } from '../util/dates.js';
import type { TimeWindow } from '../util/time-range.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A command-line time: a date means midnight of that day in REPORT_TZ; an instant
 * must carry its offset, so the machine's own zone never matters.
 */
export function parseTimeArgument(raw: string, flag: string, tz: string): Date {
  const text = raw.trim();
  if (DATE_ONLY.test(text)) {
    const d = dayjs.tz(text, tz);
    if (d.isValid() && d.format('YYYY-MM-DD') === text) return d.toDate();
  } else if (ISO_INSTANT.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new UsageError(`${flag} must be a date (2026-01-31, a day in ${tz}) or an ISO instant with an offset (2026-01-31T08:00:00Z), got "${raw}"`);
}

/**
 * Splits [from, to) into windows of `windowMs`. Whole-day lengths are calendar days in `tz`:
 * every window boundary is a local midnight, so a window is one local day even across a DST
 * change (23 or 25 hours), and a range that starts mid-day first runs to the next midnight
 * (later runs and backfills then cut the same days the same way). Other lengths step by exact
 * milliseconds. The last window is cut at `to`.
 */
export function splitWindows(range: TimeWindow, windowMs: number, tz: string): TimeWindow[] {
  if (!(range.to > range.from)) return [];
  const windows: TimeWindow[] = [];
  const byDays = windowMs % DAY_MS === 0;
  let start = range.from;
  while (start < range.to) {
    const next = byDays ? addLocalDays(startOfLocalDay(start, tz), windowMs / DAY_MS, tz) : new Date(start.getTime() + windowMs);
    const end = next < range.to ? next : range.to;
    windows.push({ from: start, to: end });
    start = end;
  }
  return windows;
}

/**
 * The windows as far as `settledLine` (now − ETL_SETTLE): a window that ends later is cut there,
 * one that starts later is dropped. Sessions created after the line may still be listed later,
 * so a window marked done beyond it would keep `run` from ever loading them. `leftOver` is the
 * cut-off range, for the one line that says it is left for `run`.
 */
export function cutAtSettledLine(windows: TimeWindow[], settledLine: Date): { windows: TimeWindow[]; leftOver?: TimeWindow } {
  const last = windows.at(-1);
  if (!last || last.to <= settledLine) return { windows };
  const kept = windows.filter((w) => w.from < settledLine).map((w) => (w.to > settledLine ? { from: w.from, to: settledLine } : w));
  const leftFrom = windows[0].from > settledLine ? windows[0].from : settledLine;
  return { windows: kept, leftOver: { from: leftFrom, to: last.to } };
}

/** Local midnight in `tz` of the day `at` falls on. */
export function startOfLocalDay(at: Date, tz: string): Date {
  return dayjs.tz(dayjs(at).tz(tz).format('YYYY-MM-DD'), tz).toDate();
}

/** Local midnight in `tz`, `days` calendar days after (or before, when negative) the day `at` falls on. */
export function localDayStart(at: Date, days: number, tz: string): Date {
  return addLocalDays(startOfLocalDay(at, tz), days, tz);
}

/** The calendar date (YYYY-MM-DD) in `tz` of an instant. */
export function localDate(at: Date, tz: string): string {
  return dayjs(at).tz(tz).format('YYYY-MM-DD');
}

/**
 * The same local wall-clock time `days` later. dayjs's tz().add() keeps the offset of the start
 * across a DST change, so the local date-time is rebuilt and re-read in the zone instead.
 */
function addLocalDays(start: Date, days: number, tz: string): Date {
  const local = dayjs(start).tz(tz).add(days, 'day').format('YYYY-MM-DDTHH:mm:ss.SSS');
  return dayjs.tz(local, tz).toDate();
}

export const describeWindow = (w: TimeWindow): string => `[${w.from.toISOString()}, ${w.to.toISOString()})`;

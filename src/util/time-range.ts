
/** A half-open range [from, to) of instants, e.g. a window on sessions.created. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/**
 * Pure range arithmetic on half-open [from, to) ranges: which parts of a range done windows
 * already cover, whoever loaded them (run cuts days at `now − settle`, backfill at midnights, an
 * operator may have used `--window 6h`), so a covered range is never extracted twice.
 */

/** Sorted, non-overlapping ranges; touching ranges are joined. */
export function mergeRanges(ranges: TimeWindow[]): TimeWindow[] {
  const sorted = [...ranges].filter((r) => r.to > r.from).sort((a, b) => a.from.getTime() - b.from.getTime());
  const out: TimeWindow[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from.getTime() <= last.to.getTime()) {
      if (r.to > last.to) last.to = r.to;
    } else {
      out.push({ from: r.from, to: r.to });
    }
  }
  return out;
}

/** The parts of `range` that none of `covered` contains, in order. */
export function subtractRanges(range: TimeWindow, covered: TimeWindow[]): TimeWindow[] {
  const gaps: TimeWindow[] = [];
  let cursor = range.from;
  for (const c of mergeRanges(covered)) {
    if (c.to <= cursor) continue;
    if (c.from >= range.to) break;
    if (c.from > cursor) gaps.push({ from: cursor, to: c.from });
    if (c.to > cursor) cursor = c.to;
    if (cursor >= range.to) break;
  }
  if (cursor < range.to) gaps.push({ from: cursor, to: range.to });
  return gaps;
}

/** True when `covered` together contain all of `range`. */
export const isCovered = (range: TimeWindow, covered: TimeWindow[]): boolean => subtractRanges(range, covered).length === 0;

import { dayjs } from '../src/util/dates.js';
/**
 * When the container's nightly job runs next: a fixed wall-clock time (ETL_SCHEDULE_AT, "02:15")
 * in REPORT_TZ, once per local calendar day. Pure, so daylight-saving days are unit-tested:
 * - on the day the clock skips the hour (02:00 → 03:00) 02:15 does not exist: it runs at the
 *   first instant the clock shows after it (03:15 local);
 * - on the day the hour repeats, 02:15 happens twice: it runs at the first one only.
 */


export interface WallClockTime {
  hour: number;
  minute: number;
}

/** Parses "HH:MM" (24-hour clock); undefined when it is not one. */
export function parseWallClockTime(text: string): WallClockTime | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(instant: Date, tz: string): string {
  return dayjs(instant).tz(tz).format('YYYY-MM-DD');
}

/**
 * The instant of `at` on local day `day` in `tz`. Found from the UTC offsets around that day
 * instead of a library's guess, so a skipped or repeated wall-clock time has a defined answer.
 */
export function instantOfWallClock(day: string, at: WallClockTime, tz: string): Date {
  const wall = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), at.hour, at.minute);
  // The offset is the same all day except around a change; try the offsets in force 12 h before
  // and after (local clocks change by at most a few hours, never twice within a day).
  const candidates = [offsetMs(wall - 12 * 3_600_000, tz), offsetMs(wall + 12 * 3_600_000, tz)]
    .map((offset) => wall - offset)
    .filter((instant) => offsetMs(instant, tz) === wall - instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]); // repeated time: the first one
  // Skipped time (the clock jumps over it): the wall clock reads `at` shifted by the jump, i.e.
  // the instant computed with the offset in force before the change.
  return new Date(wall - offsetMs(wall - 12 * 3_600_000, tz));
}

/** UTC offset of `tz` at an instant, in ms (local − UTC). */
function offsetMs(instant: number, tz: string): number {
  return dayjs(instant).tz(tz).utcOffset() * 60_000;
}

/**
 * The next run strictly after `now`, never on a local day that already had one (`lastRunDay`),
 * so a run that ends after a repeated 02:15 does not start a second one that night.
 */
export function nextRunAt(now: Date, at: WallClockTime, tz: string, lastRunDay?: string): Date {
  let day = localDay(now, tz);
  for (let i = 0; i < 3; i++) {
    const candidate = instantOfWallClock(day, at, tz);
    if (candidate.getTime() > now.getTime() && day !== lastRunDay) return candidate;
    day = dayjs.utc(day).add(1, 'day').format('YYYY-MM-DD');
  }
  throw new Error(`no next run found after ${now.toISOString()} in ${tz}`); // unreachable for real zones
}

export interface SchedulerSettings {
  at: WallClockTime;
  atText: string;
  tz: string;
  migrateOnStart: boolean;
}

/** Reads the settings; a bad one ends the process with a message naming it (exit 2). */
export function schedulerSettings(env: NodeJS.ProcessEnv): SchedulerSettings | string {
  const atText = env.ETL_SCHEDULE_AT?.trim() || '02:15';
  const at = parseWallClockTime(atText);
  if (!at) return `ETL_SCHEDULE_AT must be a time of day HH:MM (24-hour clock), got "${atText}"`;
  const tz = env.REPORT_TZ?.trim() || 'Europe/Prague';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return `REPORT_TZ must be an IANA time zone such as Europe/Prague, got "${tz}"`;
  }
  const migrate = (env.ETL_MIGRATE_ON_START?.trim() || 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(migrate)) return `ETL_MIGRATE_ON_START must be true or false, got "${migrate}"`;
  return { at, atText, tz, migrateOnStart: migrate === 'true' || migrate === '1' };
}

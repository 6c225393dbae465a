/**
 * How busy the contact center is: business-hours peaks, quiet nights, quieter weekends, by the
 * local (Europe/Prague) hour. The volume decides how many sessions an hour gets and how long queues are.
 */
import { pragueOffsetSeconds, weekdayOfDays } from '../iso-format.js';

/** A weekday's volume when `sessionsPerDay` is not given (weekends get WEEKEND_FACTOR of it). */
export const DEFAULT_SESSIONS_PER_DAY = 550;
const WEEKEND_FACTOR = 0.3;

// Relative volume per local (Europe/Prague) hour: business-hours peaks, quiet nights.
const WEEKDAY_PROFILE = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 8, 10, 10, 9, 7, 8, 9, 8, 7, 5, 3, 2, 1.5, 1, 0.6, 0.3];
const WEEKEND_PROFILE = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 3, 3, 3, 3, 2.5, 2, 1.5, 1.2, 1, 0.8, 0.5, 0.3];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const WEEKDAY_SUM = sum(WEEKDAY_PROFILE);
const WEEKEND_SUM = sum(WEEKEND_PROFILE);
const PEAK = Math.max(...WEEKDAY_PROFILE);

/** Expected sessions in one UTC hour, from the local (Prague) hour and weekday; `load` is 0 (night) … 1 (peak). */
export function expectedSessionsInHour(hour: number, sessionsPerDay: number): { mean: number; load: number } {
  const sec = hour * 3600;
  const local = sec + pragueOffsetSeconds(sec);
  const days = Math.floor(local / 86_400);
  const localHour = Math.floor((local - days * 86_400) / 3600);
  const wd = weekdayOfDays(days);
  const weekend = wd === 0 || wd === 6;
  const w = weekend ? WEEKEND_PROFILE[localHour] : WEEKDAY_PROFILE[localHour];
  const mean = weekend ? (sessionsPerDay * WEEKEND_FACTOR * w) / WEEKEND_SUM : (sessionsPerDay * w) / WEEKDAY_SUM;
  return { mean, load: w / PEAK };
}

import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

// The one place dayjs learns time zones: every module that buckets days in REPORT_TZ imports
// `dayjs` from here, so no module depends on another having extended it first.
dayjs.extend(utc);
dayjs.extend(timezone);

export { dayjs };

/** One day of 24 hours, for lengths (a calendar day in REPORT_TZ can be 23 or 25 hours: use dayjs.tz for those). */
export const DAY_MS = 86_400_000;

/** A bare date such as 2026-01-31, which the CLI and the warehouse read as a day in REPORT_TZ. */
export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The suite's clock. No test reads the real date, weekday or hour: each takes "now" from here and
 * hands it to the simulator (`now`) and to the ETL (`run --until`). The instant is fixed (a
 * Wednesday afternoon in Prague) unless MLUVII_TEST_NOW moves it: CI runs the suite again with
 * it on a Sunday night and on the night the clocks go back, so a test that only passes at some
 * hours fails there, not on somebody's Monday morning.
 */
const HOUR = 3_600_000;
const AFTER = '2026-12-01T00:00:00Z';

function pinnedNow(): Date {
  const raw = process.env.MLUVII_TEST_NOW;
  if (raw === undefined || raw === '') return new Date('2026-11-18T15:10:00Z');
  const at = new Date(raw);
  if (Number.isNaN(at.getTime()) || !/(Z|[+-]\d{2}:?\d{2})$/.test(raw)) throw new Error(`MLUVII_TEST_NOW must be an ISO instant with an offset, got "${raw}"`);
  // In-process commands run as of AFTER_TEST_RANGES: a later "now" would be in their future.
  if (at.getTime() > Date.parse(AFTER)) throw new Error(`MLUVII_TEST_NOW must not be later than ${AFTER}, got "${raw}"`);
  return at;
}

export const TEST_NOW: Date = pinnedNow();

/** A clock that always says `at` (the simulator's `now`). */
export const clockAt = (at: Date) => (): Date => new Date(at.getTime());

const pragueParts = (d: Date) => {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Prague', hour: '2-digit', hourCycle: 'h23', weekday: 'short' }).formatToParts(d);
  return { hour: Number(parts.find((p) => p.type === 'hour')?.value), weekday: parts.find((p) => p.type === 'weekday')?.value ?? '' };
};

/**
 * The latest weekday 14:00 in Prague at least an hour before `now`: the simulator's busy hours,
 * so a range ending there has many sessions still running at its end, whatever day `now` is.
 */
export function busyHourBefore(now: Date = TEST_NOW): Date {
  let t = Math.floor((now.getTime() - HOUR) / HOUR) * HOUR;
  for (;;) {
    const { hour, weekday } = pragueParts(new Date(t));
    if (hour === 14 && weekday !== 'Sat' && weekday !== 'Sun') return new Date(t);
    t -= HOUR;
  }
}

/**
 * A fixed instant after every historical range the tests load (they use dates of 2026 up to
 * November): the simulator's clock for tests whose sessions must all be over.
 */
export const AFTER_TEST_RANGES = new Date(AFTER);

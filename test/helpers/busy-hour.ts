const HOUR = 3_600_000;

/**
 * The latest 14:00 in Prague that has passed (at least an hour ago): the simulator's busy hours,
 * so a range ending there has sessions still running at its end whatever time the test runs.
 */
export function latestPragueTwoPm(now = Date.now()): Date {
  const hourInPrague = (d: Date) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Prague', hour: '2-digit', hourCycle: 'h23' }).format(d));
  let t = Math.floor((now - HOUR) / HOUR) * HOUR;
  while (hourInPrague(new Date(t)) !== 14) t -= HOUR;
  return new Date(t);
}

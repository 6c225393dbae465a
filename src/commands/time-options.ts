import { UsageError } from '../errors.js';
import { parseTimeArgument } from '../pipeline/windows.js';

/** `--from`/`--to` of a command, each optional: a day in REPORT_TZ or an ISO instant; `to` must be later. */
export function timeRangeOptions(opts: Record<string, unknown>, tz: string): { from?: Date; to?: Date } {
  const from = opts.from === undefined ? undefined : parseTimeArgument(String(opts.from), '--from', tz);
  const to = opts.to === undefined ? undefined : parseTimeArgument(String(opts.to), '--to', tz);
  if (from && to && !(to > from)) throw new UsageError(`--to (${to.toISOString()}) must be later than --from (${from.toISOString()})`);
  return { from, to };
}

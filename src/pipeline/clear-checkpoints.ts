import { clearWindowMarks } from '../load/etl-windows.js';
import { inTransaction } from '../load/transaction.js';
import type { TimeWindow } from '../util/time-range.js';
import { planNextRun } from './next-run.js';
import { describeWindow } from './windows.js';
import { runAsWriter, type WriterRunHost } from './writer-run.js';

/**
 * Removes the window marks of a range (the data stays), under the writer lock so no load marks
 * the range at the same time; says what `run` does next.
 */
export async function clearCheckpoints({ config, logger, print }: Omit<WriterRunHost, 'client'>, { from, to, now }: TimeWindow & { now: Date }): Promise<number> {
  const range = { from, to };
  return runAsWriter({ config, logger, print }, 'checkpoints', { action: 'clear', from: from.toISOString(), to: to.toISOString() }, async ({ knex, logger: log }) => {
    const cleared = await inTransaction(knex, (trx) => clearWindowMarks(trx, range));
    log.info({ range: describeWindow(range), ...cleared }, 'window marks cleared');
    const next = await planNextRun(knex, config, now);
    print(
      `cleared ${cleared.done} done and ${cleared.failed} failed window mark(s) in ${describeWindow(range)}; no loaded row was touched. ` +
        `The next \`run\` starts at ${next.from.toISOString()} (${next.because}); \`backfill --from ${from.toISOString()} --to ${to.toISOString()}\` loads the range again`,
    );
    return { failures: [] };
  });
}

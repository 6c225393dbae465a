import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { resumePoint } from '../load/etl-windows.js';
import { localDayStart } from './windows.js';

/** The range the next `run` extracts, and why it starts where it does. */
export interface RunPlan {
  from: Date;
  to: Date;
  /** Human words for the start: "the earliest failed window", "the end of the last done window", ... */
  because: string;
}

/**
 * now − ETL_SETTLE: sessions created before it no longer change their window, so only a window
 * that ends by then may be marked done (window-loop.ts holds every command to it).
 */
export function settledLine(config: Pick<Config, 'etlSettleMs'>, now: Date): Date {
  return new Date(now.getTime() - config.etlSettleMs);
}

/** Days `run` goes back when nothing was loaded yet and ETL_START is not set. */
export const FIRST_RUN_DAYS = 30;

/**
 * THE rule of where `run` starts, used by `run` itself and shown by `status` (one definition):
 * the start of the earliest failed window or the end of the latest done window, whichever is
 * earlier (a failed night is retried by the next one; done ranges in between are skipped, not
 * extracted again); with nothing loaded, ETL_START, else the start of the day (REPORT_TZ)
 * FIRST_RUN_DAYS days ago. It ends at now − ETL_SETTLE.
 */
export async function planNextRun(knex: Knex, config: Config, now: Date): Promise<RunPlan> {
  const to = settledLine(config, now);
  const resume = await resumePoint(knex);
  if (resume) return { from: resume.at, to, because: resume.atFailedWindow ? 'the earliest failed window' : 'the end of the last done window' };
  if (config.etlStart) return { from: config.etlStart, to, because: 'ETL_START (nothing loaded yet)' };
  return { from: localDayStart(now, -FIRST_RUN_DAYS, config.reportTz), to, because: `the start of the day ${FIRST_RUN_DAYS} days ago in ${config.reportTz} (nothing loaded yet, ETL_START not set)` };
}

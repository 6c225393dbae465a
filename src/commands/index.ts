import { backfillCommand } from './backfill.js';
import { checkpointsCommand } from './checkpoints.js';
import type { CliCommand } from './command.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { filesCommand } from './files.js';
import { forgetCommand } from './forget.js';
import { migrateCommand } from './migrate.js';
import { privacyCommand } from './privacy.js';
import { reprocessCommand } from './reprocess.js';
import { runCommand } from './run.js';
import { simulatorCommand } from './simulator.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { webhooksCommand } from './webhooks.js';
import { tenantsCommand } from './tenants.js';
import { workerCommand } from './worker.js';

/** Every command, in the order `--help` lists them. Each module holds its options and its handler. */
export const COMMANDS: readonly CliCommand[] = [
  doctorCommand,
  migrateCommand,
  runCommand,
  backfillCommand,
  reprocessCommand,
  filesCommand,
  privacyCommand,
  forgetCommand,
  workerCommand,
  statusCommand,
  checkpointsCommand,
  serveCommand,
  webhooksCommand,
  tenantsCommand,
  simulatorCommand,
  demoCommand,
];

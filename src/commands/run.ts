import { nightlyRun } from '../pipeline/nightly-run.js';
import type { CliCommand } from './command.js';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'the nightly job: from where the last runs stopped (status shows where) up to now − ETL_SETTLE, then re-fetch incomplete sessions',
  handler: ({ config, logger, print }) => nightlyRun({ config, logger, print }),
};

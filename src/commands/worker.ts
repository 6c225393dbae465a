import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { runWorker } from '../jobs/worker.js';
import type { CliCommand } from './command.js';

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'take jobs (window loads, re-fetches, campaign re-reads, downloads, reprocess batches, the nightly schedule) from the job queues in the warehouse database until SIGTERM',
  options: [new Option('--concurrency <n>', 'jobs of each kind at once (default: ETL_WORKER_CONCURRENCY, 2)')],
  handler: ({ config, logger, opts, print }) => {
    let concurrency = config.etlWorkerConcurrency;
    if (opts.concurrency !== undefined) {
      const n = Number(opts.concurrency);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${String(opts.concurrency)}"`);
      concurrency = n;
    }
    return runWorker(config, logger, { concurrency, print });
  },
};

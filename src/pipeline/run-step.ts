import type { RunCounts } from '../load/etl-runs.js';
import { addUnitCounts, type UnitRequest } from './unit-types.js';
import type { UnitRunner } from './unit-runner.js';

/** One step of a command as one unit (the campaign re-read, the re-fetch, a download pass): its counters and failures join the run's. */
export async function runStep(runner: UnitRunner, counts: RunCounts, failures: string[], request: UnitRequest): Promise<void> {
  await runner.run([request], (outcome) => {
    addUnitCounts(counts, outcome.counts);
    failures.push(...outcome.failures);
  });
}

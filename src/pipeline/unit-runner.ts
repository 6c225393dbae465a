import { describeError } from './describe-error.js';
import { executeUnit } from './execute-unit.js';
import type { UnitContext, UnitOutcome, UnitRequest } from './unit-types.js';

/**
 * Who runs a command's units: this process, one after another (below), or the workers, as
 * pg-boss jobs (src/jobs/queue-runner.ts). The command's own logic (which windows, in what
 * order, when to stop) is the same for both.
 */
export interface UnitRunner {
  /**
   * Runs `requests`, calling `onOutcome` as each one ends (in the order they end); `stop` there
   * means no further request is started. `interrupted`: the command's signal stopped it.
   */
  run(requests: UnitRequest[], onOutcome: (outcome: UnitOutcome, request: UnitRequest) => 'stop' | void, progress?: ProgressHooks): Promise<{ interrupted: boolean }>;
  /**
   * This process runs the units one after another (they report progress as they go, and one
   * reprocess slice is enough); otherwise the workers run them side by side and report outcomes.
   */
  readonly inProcess: boolean;
}

/** Progress as units go, where the runner can tell it (this process). */
export type ProgressHooks = Pick<UnitContext, 'onSessions' | 'onBatch'>;

/** The base every unit of a command runs with (all of UnitContext but the attempt). */
export type UnitBase = Omit<UnitContext, 'attempt' | 'onSessions' | 'onBatch'>;

/** Who runs a command's units: this process (the default), or the workers (src/jobs/queue-runner.ts). */
export type RunnerFactory = (base: UnitBase) => UnitRunner;

/** The units run here, one after another, with the command's signal, campaign cache and progress. */
export function inProcessRunner(base: UnitBase): UnitRunner {
  return {
    inProcess: true,
    async run(requests, onOutcome, progress) {
      for (const req of requests) {
        if (base.signal?.aborted) return { interrupted: true };
        let outcome: UnitOutcome;
        try {
          outcome = await executeUnit({ ...base, ...progress, attempt: 0 }, req);
        } catch (err) {
          if (!base.signal?.aborted) throw err;
          outcome = { kind: req.kind, counts: {}, failures: [], interrupted: true };
          base.logger.debug({ error: describeError(err) }, `${req.kind} stopped`);
        }
        if (onOutcome(outcome, req) === 'stop') return { interrupted: false };
        if (outcome.interrupted) return { interrupted: true };
      }
      return { interrupted: false };
    },
  };
}

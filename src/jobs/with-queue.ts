import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RunnerFactory } from '../pipeline/unit-runner.js';
import { startBoss } from './boss.js';
import { queueRunner } from './queue-runner.js';

/**
 * A command run with `--queue`: its units go to the workers as jobs (queue-runner.ts) and it
 * waits for them; `use` gets the runner factory to hand to the command's pipeline.
 */
export async function withJobQueue<T>(config: Config, logger: Logger, use: (runnerFor: RunnerFactory) => Promise<T>): Promise<T> {
  const boss = await startBoss(config, logger, 'client');
  try {
    return await use((base) => queueRunner(boss, base));
  } finally {
    await boss.stop({ graceful: false });
  }
}

import { main } from '../../src/cli.js';
import { NO_ENV_FILE } from './cli.js';

/**
 * Runs the CLI in-process (src/cli.ts `main`), capturing what it writes to stdout and stderr
 * (logs go to fd 2 directly and are not captured: LOG_LEVEL is silent unless `env` says otherwise).
 * One at a time: it swaps process.stdout.write while it runs.
 */
export async function inProcessCli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((out += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((err += String(c)), true)) as typeof process.stderr.write;
  try {
    // No settings file: a developer's .env in the checkout must never reach a test.
    const code = await main(args, { ...NO_ENV_FILE, LOG_LEVEL: 'silent', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '8', ...env });
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

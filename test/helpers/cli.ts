import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/**
 * Runs the real CLI (`bin/mluvii-etl.js`) as a child process with only `env` (plus PATH/HOME),
 * asynchronously, so a simulator in the test process keeps serving it.
 */
export function cli(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/mluvii-etl.js', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mluvii-etl ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

/** The JSON log lines of a CLI's stderr (pino), parsed; other lines are skipped. */
export function logLines(stderr: string): Array<Record<string, unknown> & { msg?: string; level?: number }> {
  const out = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown> & { msg?: string; level?: number });
    } catch {
      // not a log line
    }
  }
  return out;
}

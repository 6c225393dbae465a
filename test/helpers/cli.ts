import { spawn } from 'node:child_process';

/**
 * The environment of a CLI the tests start: PATH and HOME, no settings file (a developer's `.env`
 * in the checkout must never reach a test, nor the warehouse it names), then the test's settings.
 */
/** For `main()` run in-process: no settings file either (see childEnv). */
export const NO_ENV_FILE = { MLUVII_ENV_FILE: 'none' } as const;

export function childEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...NO_ENV_FILE, ...env };
}

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
      env: childEnv(env),
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

/** What `runCli` collects: the exit code and both streams, as a person would name them. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (`bin/mluvii-etl.js`) in a child process, asynchronously: the simulator of the
 * test runs in this process and must keep answering meanwhile. Only PATH and HOME are inherited,
 * so no setting of the machine leaks in; stdout and stderr are pipes (not a terminal).
 */
export function runCli(args: string[], env: Record<string, string>, opts: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${process.cwd()}/bin/mluvii-etl.js`, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: childEnv({ LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the real CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal sees it:
 * stdout and stderr are both the terminal, so the progress bar and pretty logs are on.
 */
export function runCliOnTerminal(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, `${process.cwd()}/bin/mluvii-etl.js`, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: childEnv({ TERM: 'xterm', LOG_LEVEL: 'info', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import { childEnv } from './cli.js';

/** A `mluvii-etl worker` (or any long-running CLI) in a child process, with what it printed so far. */
export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Resolves once stdout holds `text` (rejects when the process exits first). */
  printed(text: string): Promise<void>;
}

/** Starts the real CLI (`bin/mluvii-etl.js args`) with only `env` (plus PATH/HOME, no settings file). */
export function startCli(args: string[], env: Record<string, string>): RunningProcess {
  const started = Date.now();
  const child = spawn(process.execPath, ['bin/mluvii-etl.js', ...args], { env: childEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    waiters.forEach((w) => w());
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal, ms: Date.now() - started });
      waiters.forEach((w) => w());
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) resolve();
          else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`exited before printing "${text}"\nstdout: ${out}\nstderr: ${err}`));
        };
        waiters.push(check);
        check();
      }),
  };
}

/** Starts a worker and waits until it takes jobs. */
export async function startWorker(env: Record<string, string>, concurrency = 1): Promise<RunningProcess> {
  const w = startCli(['worker', '--concurrency', String(concurrency)], env);
  await w.printed('working the job queues');
  return w;
}

/** Polls `probe` until it returns a value other than undefined (every 100 ms, up to `timeoutMs`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The jobs of a queue as pg-boss holds them (state, key, attempts, output), oldest first. */
export async function jobsOf(knex: Knex, queue: string): Promise<Array<{ id: string; state: string; singleton_key: string | null; retry_count: number; output: unknown; data: unknown }>> {
  return (await knex.raw(`SELECT id, state, singleton_key, retry_count, output, data FROM pgboss.job WHERE name = ? ORDER BY created_on, id`, [queue])).rows;
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { UsageError } from './errors.js';

/**
 * The settings a command runs with: its environment over a settings file. The file is the one
 * MLUVII_ENV_FILE names (`none`: no file), else `.env` in the working folder when there is one.
 * A variable of the environment wins over the file (dotenv's rule), and the environment itself is
 * never changed: a process that runs commands in-process (a test, a scheduler) keeps its own.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const named = env.MLUVII_ENV_FILE?.trim();
  if (named === 'none') return env;
  const path = resolve(cwd, named || '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!named && code === 'ENOENT') return env; // no .env here: the environment is all there is
    throw new UsageError(`MLUVII_ENV_FILE=${named || '.env'}: cannot read the settings file ${path} (${code ?? (err as Error).message}); name another file, or none`);
  }
  return { ...parse(text), ...env };
}

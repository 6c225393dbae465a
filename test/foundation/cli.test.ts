import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from '../helpers/cli.js';

const ALL_COMMANDS = ['doctor', 'migrate', 'run', 'backfill', 'reprocess', 'status', 'simulator', 'demo'];

function cli(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/mluvii-etl.js'), ...args], {
    encoding: 'utf8',
    cwd,
    env: childEnv(env),
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the mluvii-etl CLI', () => {
  it('--help lists every documented command', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ALL_COMMANDS) expect(r.out).toContain(c);
  });

  it('an unknown command exits 2 with a one-line reason and no stack trace', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a bad flag exits 2', () => {
    const r = cli(['status', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--bogus'");
  });

  it('a malformed setting exits 2 naming the variable, before any work', () => {
    const r = cli(['migrate'], { MLUVII_RPS: 'fast' });
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('mluvii-etl: MLUVII_RPS must be a positive number, got "fast" (requests per second, or "auto" to find the server\'s limit by itself)');
  });

  it('a missing DATABASE_URL is named, and a secret in it is never echoed', () => {
    expect(cli(['migrate']).err).toContain('DATABASE_URL is required');
    const r = cli(['migrate'], { DATABASE_URL: 'postgres://etl:topsecretpw@127.0.0.1:1/nowhere' });
    expect(r.code).toBe(2); // a database that cannot be reached is a setting to fix
    expect(r.out + r.err).not.toContain('topsecretpw');
  });

  it('reads the settings file: .env of the working folder, or MLUVII_ENV_FILE (none: no file); the environment wins over it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'mluvii-env-file-'));
    try {
      writeFileSync(join(folder, '.env'), 'DATABASE_URL=postgres://etl:from-dotenv-pw@127.0.0.1:1/from_dotenv\n');
      writeFileSync(join(folder, 'other.env'), 'DATABASE_URL=postgres://etl:other-pw@127.0.0.1:1/from_other\n');
      const read = (env: Record<string, string>) => cli(['migrate'], { ...env, MLUVII_ENV_FILE: env.MLUVII_ENV_FILE ?? '' }, folder);
      expect(read({}).err).toMatch(/DATABASE_URL=postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/from_dotenv/);
      expect(read({ MLUVII_ENV_FILE: 'other.env' }).err).toMatch(/\/from_other/);
      expect(read({ MLUVII_ENV_FILE: 'none' }).err).toContain('DATABASE_URL is required');
      expect(read({ DATABASE_URL: 'postgres://etl:env-pw@127.0.0.1:1/from_env' }).err).toMatch(/\/from_env/);
      const missing = read({ MLUVII_ENV_FILE: 'missing.env' });
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^mluvii-etl: MLUVII_ENV_FILE=missing\.env: cannot read the settings file .*missing\.env \(ENOENT\)/);
      // The tests' own CLI children never read a settings file, wherever they run.
      expect(cli(['migrate'], {}, folder).err).toContain('DATABASE_URL is required');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

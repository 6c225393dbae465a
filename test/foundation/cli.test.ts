import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';

const ALL_COMMANDS = ['doctor', 'migrate', 'run', 'backfill', 'reprocess', 'status', 'simulator', 'demo'];

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/mluvii-etl.js', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
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
});

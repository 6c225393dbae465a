import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { childEnv } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

/** The real `mluvii-etl serve` process: starts, takes a call into the queue, stops on SIGTERM. */
const SECRET = 'child-secret-0123456789abcdef';
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('mluvii-etl serve (child process)', () => {
  it('prints where it listens without the secret, answers /healthz and a webhook, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/mluvii-etl.js', 'serve', '--host', '127.0.0.1', '--port', '0'], {
      env: childEnv({ DATABASE_URL: db.url, MLUVII_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 30_000);
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    expect(out).toContain('/webhooks/mluvii/default/***');
    expect(out + err).not.toContain(SECRET);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const r = await fetch(`http://127.0.0.1:${port}/webhooks/mluvii/default/${SECRET}`, { method: 'POST', body: JSON.stringify({ eventType: 'SessionEnded', data: { id: 77 } }) });
    expect(r.status).toBe(200);
    const queued = await db.knex.raw(`SELECT count(*)::int AS n FROM pgboss.job WHERE singleton_key = 'default:77'`);
    expect(queued.rows[0].n).toBe(1);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).not.toContain(SECRET);
  });
});

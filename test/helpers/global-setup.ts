/**
 * Finds the Postgres the tests talk to (README "Try it"):
 * TEST_DATABASE_URL if set; else a testcontainers Postgres where a Docker engine answers; else an
 * embedded Postgres. The URL is handed to the test workers through TEST_DATABASE_URL; each test
 * file then creates its own database on that server (test/helpers/db.ts).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

type Stop = () => Promise<void>;
const state = globalThis as { __mluviiTestDbStop?: Stop };

async function tryContainer(): Promise<{ url: string; stop: Stop } | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return undefined; // no Docker engine: fall back to embedded
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:16-alpine').start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/** Which Postgres the suite uses, said once before the tests (a red run is then easier to read). */
function announce(line: string): void {
  process.stderr.write(`\nTests use ${line}\n`);
}

const redact = (url: string) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    announce(`the given Postgres: TEST_DATABASE_URL=${redact(process.env.TEST_DATABASE_URL)}`);
    return;
  }
  const container = process.env.MLUVII_TEST_NO_DOCKER ? undefined : await tryContainer();
  if (container) {
    announce(`a Postgres container (postgres:16-alpine, testcontainers) at ${redact(container.url)}`);
    process.env.TEST_DATABASE_URL = container.url;
    state.__mluviiTestDbStop = container.stop;
    return;
  }
  const dir = resolve('.data', `test-pg-${process.pid}-${Date.now()}`);
  // Jest loads this file outside its module mapper, so the TypeScript source is loaded through tsx.
  const { register } = await import('tsx/esm/api');
  const unregister = register();
  const embeddedModule = '../../src/db/embedded.ts';
  const { startEmbeddedPostgres } = (await import(embeddedModule)) as typeof import('../../src/db/embedded.js');
  await unregister();
  const db = await startEmbeddedPostgres(dir, { database: 'postgres' });
  announce(`an embedded Postgres (no TEST_DATABASE_URL, no Docker engine) in ${dir}`);
  process.env.TEST_DATABASE_URL = db.url;
  state.__mluviiTestDbStop = async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

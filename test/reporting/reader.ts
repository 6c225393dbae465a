/**
 * A connection as the reader role, the way a BI tool logs in: a role of its own per test file
 * (roles are cluster-wide and other test files run at the same time), with a password.
 */
import { randomBytes } from 'node:crypto';
import { createKnex, type Knex } from '../../src/db/knex.js';
import { ensureReaderRole } from '../../src/admin/reader-role.js';
import type { TestDatabase } from '../helpers/db.js';

export interface ReaderConnection {
  role: string;
  /** A fresh pool logged in as the reader: a new session picks up the role's current settings. */
  connect(): Knex;
  /** Destroys the pools and drops the role. */
  close(): Promise<void>;
}

function asUser(url: string, user: string, pass: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = pass;
  return u.toString();
}

export async function readerConnection(db: TestDatabase): Promise<ReaderConnection> {
  const role = `mluvii_reader_t_${randomBytes(5).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await ensureReaderRole(db.knex, role, password);
  const pools: Knex[] = [];
  return {
    role,
    connect() {
      const k = createKnex(asUser(db.url, role, password), { max: 1 });
      pools.push(k);
      return k;
    },
    async close() {
      for (const k of pools) await k.destroy();
      await db.knex.raw(`DROP OWNED BY "${role}"`).catch(() => undefined);
      await db.knex.raw(`DROP ROLE IF EXISTS "${role}"`);
    },
  };
}

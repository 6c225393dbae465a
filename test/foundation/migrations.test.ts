import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrations.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
});
afterAll(async () => db?.drop());

async function tables(): Promise<string[]> {
  const r = await db.knex.raw(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_schema IN ('raw','core','reporting','etl') AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  return r.rows.map((x: { t: string }) => x.t);
}

describe('migrations', () => {
  it('create the four schemas and the pipeline tables; migrate is idempotent; down → up works', async () => {
    const applied = await migrateLatest(db.knex);
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((n) => !/\.(ts|js)$/.test(n))).toBe(true); // names without extension (knex records names with their extension)
    const schemas = (await db.knex.raw(`SELECT nspname FROM pg_namespace WHERE nspname IN ('raw','core','reporting','etl') ORDER BY 1`)).rows.map(
      (r: { nspname: string }) => r.nspname,
    );
    expect(schemas).toEqual(['core', 'etl', 'raw', 'reporting']);
    const after = await tables();
    for (const t of ['raw.sessions', 'core.sessions', 'core.session_states', 'core.session_operators', 'core.routing_events', 'core.operators', 'core.groups', 'core.campaigns', 'etl.runs', 'etl.windows', 'etl.rejects']) {
      expect(after).toContain(t);
    }

    expect(await migrateLatest(db.knex)).toEqual([]); // idempotent

    await migrateRollbackAll(db.knex);
    expect(await tables()).toEqual([]);

    await migrateLatest(db.knex);
    expect(await tables()).toEqual(after);
  });

  it('uses the documented column types: bigint ids, timestamptz instants, numeric(12,3) durations', async () => {
    const cols = (
      await db.knex.raw(`SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
                          WHERE table_schema = 'core' AND table_name = 'sessions'`)
    ).rows as Array<{ column_name: string; data_type: string; numeric_precision: number; numeric_scale: number }>;
    const byName = new Map(cols.map((c) => [c.column_name, c]));
    expect(byName.get('session_id')?.data_type).toBe('bigint');
    expect(byName.get('created_at')?.data_type).toBe('timestamp with time zone');
    for (const d of ['created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s', 'ring_s', 'waited_s']) {
      expect(byName.get(d)).toMatchObject({ data_type: 'numeric', numeric_precision: 12, numeric_scale: 3 });
    }
  });
});

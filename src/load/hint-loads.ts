import type { Knex } from 'knex';

/**
 * Records that the connection's tenant's hinted sessions were read from the API at `readAt`
 * (etl.hint_loads, shown as reporting.today_kpis.hints_loaded_through). Never moves back: a slow
 * batch that read earlier and finishes later leaves a later instant as it is.
 */
export async function recordHintLoad(db: Knex | Knex.Transaction, readAt: Date): Promise<void> {
  await db.raw(
    `INSERT INTO etl.hint_loads (loaded_through) VALUES (?)
     ON CONFLICT (tenant) DO UPDATE SET loaded_through = greatest(etl.hint_loads.loaded_through, excluded.loaded_through), updated_at = now()`,
    [readAt.toISOString()],
  );
}

/** When the connection's tenant's hinted sessions were last read from the API; null before the first hint load. */
export async function hintsLoadedThrough(db: Knex): Promise<Date | null> {
  const r = await db.raw('SELECT loaded_through FROM etl.hint_loads WHERE tenant = etl.tenant()');
  const row = (r.rows as Array<{ loaded_through: Date }>)[0];
  return row ? new Date(row.loaded_through) : null;
}

/**
 * `forget --operator`: the SQL that puts a pseudonym in place of an operator's names in core, and
 * the list of pseudonymized operators every load applies (src/privacy/operator-pseudonym.ts does
 * the payloads). Their user id stays, and with it every KPI of theirs.
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Operators whose names were replaced by a pseudonym: no load or /Users refresh puts them back. */
export async function pseudonymizedOperatorIds(db: Db): Promise<Set<number>> {
  const r = await db.raw(`SELECT user_id FROM core.operators WHERE tenant = etl.tenant() AND pseudonymized_at IS NOT NULL`);
  return new Set((r.rows as Array<{ user_id: string | number }>).map((x) => Number(x.user_id)));
}

/** Every name the warehouse knows this operator by (to find them in rejects), before they are replaced. */
export async function namesOfOperator(db: Db, userId: number): Promise<string[]> {
  const r = await db.raw(
    `SELECT DISTINCT n FROM (
       SELECT unnest(ARRAY[user_name, first_name, last_name, concat_ws(' ', first_name, last_name)]) AS n FROM core.operators WHERE tenant = etl.tenant() AND user_id = ?
       UNION ALL
       SELECT unnest(ARRAY[user_name, first_name, last_name, concat_ws(' ', first_name, last_name)]) FROM core.session_operators WHERE tenant = etl.tenant() AND user_id = ?
     ) x WHERE n IS NOT NULL AND btrim(n) <> ''`,
    [userId, userId],
  );
  return (r.rows as Array<{ n: string }>).map((x) => x.n);
}

/**
 * The operator's rows in core take the pseudonym: the dimension (marked, so it stays), their
 * session rows and the names the stored operator_daily rows remember. Returns how many rows changed.
 */
export async function pseudonymizeOperatorRows(trx: Knex.Transaction, userId: number, pseudonym: string): Promise<number> {
  const dimension = await trx.raw(
    `INSERT INTO core.operators AS o (user_id, user_name, first_name, last_name, pseudonymized_at) VALUES (?, ?, NULL, NULL, now())
     ON CONFLICT (tenant, user_id) DO UPDATE SET user_name = EXCLUDED.user_name, first_name = NULL, last_name = NULL,
            pseudonymized_at = coalesce(o.pseudonymized_at, now()), updated_at = now()`,
    [userId, pseudonym],
  );
  const sessions = await trx.raw(
    `UPDATE core.session_operators SET user_name = CASE WHEN user_name IS NULL THEN NULL ELSE ? END, first_name = NULL, last_name = NULL
      WHERE tenant = etl.tenant() AND user_id = ? AND (user_name IS DISTINCT FROM ? AND user_name IS NOT NULL OR first_name IS NOT NULL OR last_name IS NOT NULL)`,
    [pseudonym, userId, pseudonym],
  );
  const daily = await trx.raw(`UPDATE core.operator_daily_summary SET name_seen = ? WHERE tenant = etl.tenant() AND user_id = ? AND name_seen IS DISTINCT FROM ?`, [pseudonym, userId, pseudonym]);
  return (dimension.rowCount ?? 0) + (sessions.rowCount ?? 0) + (daily.rowCount ?? 0);
}

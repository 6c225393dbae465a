import type { Knex } from 'knex';

/** What `demo` prints after its backfill: the connection's tenant's totals from core, KPIs read back from the reporting views. */

export interface LoadedTotals {
  sessions: number;
  operatorRows: number;
  routingEvents: number;
  rejects: number;
  incomplete: number;
}

export async function loadedTotals(knex: Knex): Promise<LoadedTotals> {
  const r = (
    await knex.raw(`SELECT (SELECT count(*) FROM core.sessions WHERE tenant = etl.tenant()) AS sessions,
                           (SELECT count(*) FROM core.session_operators WHERE tenant = etl.tenant()) AS operator_rows,
                           (SELECT count(*) FROM core.routing_events WHERE tenant = etl.tenant()) AS routing_events,
                           (SELECT count(*) FROM etl.rejects WHERE tenant = etl.tenant()) AS rejects,
                           (SELECT count(*) FROM core.sessions WHERE tenant = etl.tenant() AND NOT is_complete) AS incomplete`)
  ).rows[0];
  return { sessions: Number(r.sessions), operatorRows: Number(r.operator_rows), routingEvents: Number(r.routing_events), rejects: Number(r.rejects), incomplete: Number(r.incomplete) };
}

/** reporting.daily_kpis summed over departments and channels, one row per day. */
export async function dailyKpiTotals(knex: Knex): Promise<Array<Record<string, unknown>>> {
  return (
    await knex.raw(`SELECT day, sum(offered) AS offered, sum(answered) AS answered, sum(abandoned) AS abandoned,
                           round(sum(answered_within_sl) / nullif(sum(answered + abandoned), 0), 3) AS service_level,
                           round(sum(sum_in_queue_s) / nullif(sum(count_in_queue_s), 0), 1) AS avg_in_queue_s,
                           round(sum(sum_active_s) / nullif(sum(count_active_s), 0), 1) AS avg_active_s,
                           round(sum(sum_acw_s) / nullif(sum(count_acw_s), 0), 1) AS avg_acw_s
                      FROM reporting.daily_kpis WHERE tenant = etl.tenant() GROUP BY day ORDER BY day`)
  ).rows;
}

/** The operators who handled the most sessions (reporting.operator_daily). */
export async function busiestOperators(knex: Knex, limit: number): Promise<Array<Record<string, unknown>>> {
  return (
    await knex.raw(
      `SELECT operator_name, sum(sessions_handled) AS sessions, round(sum(sum_active_s) / 60, 1) AS active_min,
              round(sum(sum_acw_s) / 60, 1) AS acw_min, sum(missed) AS missed
         FROM reporting.operator_daily WHERE tenant = etl.tenant() GROUP BY operator_name ORDER BY 2 DESC LIMIT ?`,
      [limit],
    )
  ).rows;
}

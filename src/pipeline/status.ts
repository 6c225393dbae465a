import type { CommandHandler } from '../cli.js';
import { requireDatabaseUrl } from '../config.js';
import { createKnex } from '../db/knex.js';
import { isWriterLockHeld } from './writer-lock.js';
import { latestSettledRate } from '../load/run-rates.js';

const fmt = (v: unknown): string => (v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : v === null || v === undefined ? '—' : String(v));

/** A plain-text table: what a person reads on a terminal at 3 a.m. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(fmt));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => Math.min(r[i].length, 80))));
  const line = (r: string[]) => r.map((c, i) => (c.length > 80 ? c.slice(0, 77) + '...' : c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** `status`: last runs, windows, watermark, incomplete sessions, rejects. Read-only. */
export const statusCommand: CommandHandler = async ({ config, print }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const migrated = (await knex.raw(`SELECT to_regclass('etl.runs') IS NOT NULL AS ok`)).rows[0].ok;
    if (!migrated) {
      print('The database has no mluvii-etl tables yet: run `npx mluvii-etl migrate` (or `run`/`backfill`, which migrate first).');
      return 0;
    }
    const runs = (
      await knex.raw(`SELECT run_id, kind, status, started_at, round(extract(epoch FROM finished_at - started_at)::numeric, 1) || ' s' AS took, windows_done, windows_failed,
                             windows_skipped, sessions_seen, sessions_changed, rejects, api_requests, error
                        FROM etl.runs ORDER BY run_id DESC LIMIT 10`)
    ).rows;
    // A 'running' row whose process died keeps that status until the next writer closes it.
    const lockHeld = await isWriterLockHeld(knex);
    print('Last runs');
    print(
      table(
        ['run', 'kind', 'status', 'started', 'took', 'windows done/failed/skipped', 'sessions', 'changed', 'rejects', 'requests', 'error'],
        runs.map((r: Record<string, unknown>) => [
          r.run_id, r.kind, r.status === 'running' && !lockHeld ? 'died (closed by the next run)' : r.status, r.started_at, r.took,
          `${r.windows_done}/${r.windows_failed}/${r.windows_skipped}`, r.sessions_seen, r.sessions_changed, r.rejects, r.api_requests, r.error,
        ]),
      ),
    );
    const settled = await latestSettledRate(knex);
    if (settled) print(`MLUVII_RPS=auto settled on ${settled.rps} requests/s (run ${settled.runId}, ${settled.kind})`);
    const w = (
      await knex.raw(`SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed,
                             max(window_end) FILTER (WHERE status = 'done') AS watermark, min(window_start) AS first
                        FROM etl.windows`)
    ).rows[0];
    print('');
    print(`Windows: ${w.done} done, ${w.failed} failed; loaded from ${fmt(w.first)}; watermark (run continues from) ${fmt(w.watermark)}`);
    const failed = (await knex.raw(`SELECT window_start, window_end, attempts, error FROM etl.windows WHERE status = 'failed' ORDER BY window_start LIMIT 10`)).rows;
    if (failed.length) print(table(['failed window start', 'end', 'attempts', 'error'], failed.map((r: Record<string, unknown>) => [r.window_start, r.window_end, r.attempts, r.error])));
    const s = (
      await knex.raw(`SELECT count(*) AS sessions, count(*) FILTER (WHERE NOT is_complete) AS incomplete,
                             count(*) FILTER (WHERE 'never_completed' = ANY(quality_flags)) AS never_completed,
                             min(created_at) AS first, max(created_at) AS last FROM core.sessions`)
    ).rows[0];
    print('');
    print(`Sessions: ${s.sessions} (created ${fmt(s.first)} … ${fmt(s.last)}); incomplete ${s.incomplete}, of which given up (never_completed) ${s.never_completed}`);
    const rej = (await knex.raw(`SELECT split_part(reason, ':', 1) AS reason, count(*) AS n, max(rejected_at) AS last FROM etl.rejects GROUP BY 1 ORDER BY 2 DESC`)).rows;
    print('');
    print(rej.length ? 'Rejected payloads (etl.rejects)' : 'Rejected payloads: none');
    if (rej.length) print(table(['reason', 'count', 'last seen'], rej.map((r: Record<string, unknown>) => [r.reason, r.n, r.last])));
    return 0;
  } finally {
    await knex.destroy();
  }
};

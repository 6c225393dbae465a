/** What `status` shows of data protection (docs/privacy.md): reads only. */
import type { Knex } from 'knex';
import { readSweepState, type SweepState } from './privacy-sweep-state.js';

export interface ErasureRecord {
  erasureId: number;
  why: string;
  what: string;
  status: string;
  sessions: number;
  files: number;
  rejects: number;
  operators: number;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface PrivacyFigures {
  sweep: SweepState;
  /** Stored sessions whose personal data was removed, by why. */
  removed: Record<string, number>;
  /** The oldest stored session that still holds its personal data (RAW_RETENTION works from there). */
  oldestWithPersonalData: Date | null;
  /** Copies of erased sessions still on disk (an erasure killed between its commit and the deletion). */
  pendingRemovals: number;
  recentErasures: ErasureRecord[];
}

/** Undefined for a warehouse not migrated this far yet (`status` reads, it never migrates). */
export async function privacyFigures(knex: Knex): Promise<PrivacyFigures | undefined> {
  if (!(await knex.raw(`SELECT to_regclass('etl.erasures') IS NOT NULL AS ok`)).rows[0].ok) return undefined;
  const removed = await knex.raw(
    `SELECT personal_data_removed_why AS why, count(*)::int AS n FROM raw.sessions WHERE tenant = etl.tenant() AND personal_data_removed_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  const oldest = await knex.raw(`SELECT min(created_at) AS at FROM raw.sessions WHERE tenant = etl.tenant() AND personal_data_removed_at IS NULL`);
  const pending = await knex.raw(
    `SELECT count(*)::int AS n FROM core.file_downloads WHERE tenant = etl.tenant() AND state = 'deleted' AND stored_path IS NOT NULL AND reason IN ('anonymized', 'retention', 'request')`,
  );
  const erasures = await knex.raw(
    `SELECT erasure_id, why, what, status, sessions, files, rejects, operators, started_at, finished_at FROM etl.erasures WHERE tenant = etl.tenant() ORDER BY erasure_id DESC LIMIT 5`,
  );
  return {
    sweep: await readSweepState(knex),
    removed: Object.fromEntries((removed.rows as Array<{ why: string; n: number }>).map((r) => [r.why, r.n])),
    oldestWithPersonalData: (oldest.rows[0].at as Date | null) ?? null,
    pendingRemovals: pending.rows[0].n as number,
    recentErasures: (erasures.rows as Array<Record<string, unknown>>).map((r) => ({
      erasureId: Number(r.erasure_id),
      why: String(r.why),
      what: String(r.what),
      status: String(r.status),
      sessions: Number(r.sessions),
      files: Number(r.files),
      rejects: Number(r.rejects),
      operators: Number(r.operators),
      startedAt: r.started_at as Date,
      finishedAt: (r.finished_at as Date | null) ?? null,
    })),
  };
}

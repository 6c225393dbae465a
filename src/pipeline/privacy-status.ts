/**
 * The data-protection part of `status` (docs/privacy.md): how far the sweep of sessions mluvii
 * anonymized got, and loudly why it cannot run when it cannot; what retention and erasures did.
 */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { privacyFigures } from '../load/privacy-figures.js';

export interface PrivacyStatus {
  sweep: { sweptUntil: string | null; lastAttemptAt: string | null; lastOkAt: string | null; problem: string | null; problemKind: string | null };
  rawRetention: string | null;
  rejectsRetention: string;
  /** Stored sessions whose personal data was removed, by why (anonymized, retention, request). */
  sessionsWithoutPersonalData: Record<string, number>;
  oldestWithPersonalData: string | null;
  pendingRemovals: number;
  recentErasures: Array<{ erasureId: number; why: string; what: string; status: string; sessions: number; files: number; rejects: number; operators: number; startedAt: string; finishedAt: string | null }>;
  /** What `status --check` reports of it. */
  problems: string[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const days = (ms: number | undefined) => (ms === undefined ? null : `${Math.round((ms / 86_400_000) * 10) / 10}d`);

export async function collectPrivacyStatus(knex: Knex, config: Config): Promise<PrivacyStatus | undefined> {
  const f = await privacyFigures(knex);
  if (!f) return undefined;
  const problems: string[] = [];
  if (f.sweep.problem) problems.push(`PRIVACY SWEEP CANNOT RUN (${f.sweep.problemKind}, last tried ${iso(f.sweep.lastAttemptAt)}): ${f.sweep.problem}`);
  if (f.pendingRemovals > 0) problems.push(`${f.pendingRemovals} copies of erased sessions are still on disk (an erasure was stopped before it deleted them): \`npx mluvii-etl privacy sweep\` removes them`);
  return {
    sweep: { sweptUntil: iso(f.sweep.sweptUntil), lastAttemptAt: iso(f.sweep.lastAttemptAt), lastOkAt: iso(f.sweep.lastOkAt), problem: f.sweep.problem, problemKind: f.sweep.problemKind },
    rawRetention: days(config.rawRetentionMs),
    rejectsRetention: days(config.rejectsRetentionMs) as string,
    sessionsWithoutPersonalData: f.removed,
    oldestWithPersonalData: iso(f.oldestWithPersonalData),
    pendingRemovals: f.pendingRemovals,
    recentErasures: f.recentErasures.map((e) => ({ ...e, startedAt: e.startedAt.toISOString(), finishedAt: iso(e.finishedAt) })),
    problems,
  };
}

/** The loud line `status` starts with when the sweep cannot run; undefined when it can. */
export function privacyAlarm(p: PrivacyStatus): string | undefined {
  return p.sweep.problem ? `!!! PRIVACY SWEEP CANNOT RUN (${p.sweep.problemKind}, last tried ${p.sweep.lastAttemptAt}): ${p.sweep.problem}` : undefined;
}

/** The lines of its own section. */
export function renderPrivacyStatus(p: PrivacyStatus): string[] {
  const out: string[] = [];
  out.push(
    `Privacy: sessions anonymized at mluvii ${p.sweep.sweptUntil ? `swept up to ${p.sweep.sweptUntil}` : 'not swept yet (the next run does)'}; ` +
      `RAW_RETENTION ${p.rawRetention ?? 'unset (payloads keep their personal data)'}, REJECTS_RETENTION ${p.rejectsRetention}; ` +
      `oldest payload with personal data: ${p.oldestWithPersonalData ?? 'none'}`,
  );
  const removed = Object.entries(p.sessionsWithoutPersonalData);
  out.push(`Sessions without personal data: ${removed.length ? removed.map(([why, n]) => `${why} ${n}`).join(', ') : 'none'}`);
  if (p.pendingRemovals) out.push(`Copies of erased sessions still on disk: ${p.pendingRemovals} (\`npx mluvii-etl privacy sweep\` removes them)`);
  if (p.recentErasures.length) {
    out.push('Recent erasures (etl.erasures):');
    for (const e of p.recentErasures) {
      out.push(`  ${e.erasureId} ${e.startedAt} ${e.why} ${e.what}: ${e.status}; ${e.sessions} session(s), ${e.files} file(s), ${e.rejects} reject(s)${e.operators ? `, ${e.operators} operator(s)` : ''}`);
    }
  }
  return out;
}

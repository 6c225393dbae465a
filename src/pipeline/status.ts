import { DAY_MS, dayjs } from '../util/dates.js';
import type { Knex } from 'knex';
import type { CommandHandler } from '../cli.js';
import { type Config, redactUrl, requireDatabaseUrl } from '../config.js';
import { createKnex } from '../db/knex.js';
import { mergeRanges, subtractRanges } from './coverage.js';
import { planNextRun } from './next-run.js';
import type { RunKind } from './runs.js';
import { localDayStart, type TimeWindow } from './windows.js';
import { fileCounts, failedFileReasons, type FileCounts } from '../load/session-files.js';
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

/** No successful run/backfill for this long fails `status --check`. */
export const STALE_AFTER_HOURS = 36;
const RUN_KINDS: RunKind[] = ['run', 'backfill', 'reprocess'];

/** A range in REPORT_TZ: local wall-clock bounds for people, ISO instants for machines. */
export interface LocalRange {
  from: string;
  to: string;
  fromInstant: string;
  toInstant: string;
  days: number;
}

export interface RunSummary {
  runId: number;
  kind: RunKind;
  /** 'died' = still marked running but no process holds the writer lock (killed; closed by the next writer). */
  status: 'running' | 'succeeded' | 'failed' | 'died';
  startedAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
  windowsDone: number;
  windowsFailed: number;
  windowsSkipped: number;
  sessions: number;
  sessionsChanged: number;
  rejects: number;
  apiRequests: number;
  apiRateLimited: number;
  apiRetries: number;
  operatorNames: string | null;
  error: string | null;
}

export interface StatusReport {
  database: string;
  reportTz: string;
  migrated: boolean;
  coverage: LocalRange[];
  gaps: LocalRange[];
  lastRuns: Partial<Record<RunKind, RunSummary>>;
  recentRuns: RunSummary[];
  failedWindows: Array<{ from: string; to: string; fromInstant: string; toInstant: string; attempts: number; runId: number | null; failedAt: string; reason: string }>;
  qualityFlagsLast7Days: Record<string, number>;
  sessionsLast7Days: number;
  rejectsByReason: Array<{ reason: string; count: number; lastSeen: string }>;
  incomplete: { count: number; oldestCreated: string | null; givenUp: number };
  operatorNames: { source: string | null; fromRun: number | null; operators: number; withName: number };
  nextRun: { from: string; fromInstant: string; to: string; toInstant: string; because: string };
  check: { ok: boolean; problems: string[]; lastSuccess: string | null };
  /** Recordings and shared files by state, with the commonest failure reasons (absent before that migration). */
  files?: FileCounts & { failedBecause: Array<{ reason: string; files: number }> };
  /** With MLUVII_RPS=auto: the rate the latest such run settled on. */
  settledRate?: { rps: number; runId: number; kind: string };
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

function localRange(r: TimeWindow, tz: string): LocalRange {
  return {
    from: localClock(r.from, tz),
    to: localClock(r.to, tz),
    fromInstant: r.from.toISOString(),
    toInstant: r.to.toISOString(),
    days: Math.round(((r.to.getTime() - r.from.getTime()) / DAY_MS) * 10) / 10,
  };
}

/** "2026-10-24" at a local midnight, else "2026-10-24 13:55". */
function localClock(d: Date, tz: string): string {
  const local = dayjs(d).tz(tz);
  return local.format('HH:mm:ss.SSS') === '00:00:00.000' ? local.format('YYYY-MM-DD') : local.format(local.second() || local.millisecond() ? 'YYYY-MM-DD HH:mm:ss' : 'YYYY-MM-DD HH:mm');
}

function runSummary(r: Record<string, any>, lockHeld: boolean): RunSummary {
  return {
    runId: Number(r.run_id),
    kind: r.kind,
    status: r.status === 'running' && !lockHeld ? 'died' : r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: iso(r.finished_at),
    durationSeconds: r.finished_at ? Math.round((r.finished_at.getTime() - r.started_at.getTime()) / 100) / 10 : null,
    windowsDone: r.windows_done,
    windowsFailed: r.windows_failed,
    windowsSkipped: r.windows_skipped,
    sessions: r.sessions_seen,
    sessionsChanged: r.sessions_changed,
    rejects: r.rejects,
    apiRequests: r.api_requests,
    apiRateLimited: r.api_rate_limited ?? 0,
    apiRetries: r.api_retries ?? 0,
    operatorNames: r.operator_names ?? null,
    error: r.error,
  };
}

/** Everything `status` shows, read-only, as data (`status --json` prints exactly this). */
export async function collectStatus(knex: Knex, config: Config, now: Date): Promise<StatusReport> {
  const tz = config.reportTz;
  const base = { database: redactUrl(config.databaseUrl ?? ''), reportTz: tz };
  const migrated = (await knex.raw(`SELECT to_regclass('etl.runs') IS NOT NULL AND to_regclass('etl.windows') IS NOT NULL AS ok`)).rows[0].ok as boolean;
  const plan0 = { from: '', fromInstant: '', to: '', toInstant: '', because: '' };
  if (!migrated) {
    return {
      ...base, migrated, coverage: [], gaps: [], lastRuns: {}, recentRuns: [], failedWindows: [], qualityFlagsLast7Days: {}, sessionsLast7Days: 0,
      rejectsByReason: [], incomplete: { count: 0, oldestCreated: null, givenUp: 0 }, operatorNames: { source: null, fromRun: null, operators: 0, withName: 0 },
      nextRun: plan0, check: { ok: false, problems: ['the database is not migrated (run `npx mluvii-etl migrate`)'], lastSuccess: null },
    };
  }
  const hasNewCounters = (await knex.raw(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'etl' AND table_name = 'runs' AND column_name = 'api_retries'`)).rows.length > 0;
  const lockHeld = await isWriterLockHeld(knex);

  const done = (await knex.raw(`SELECT window_start, window_end FROM etl.windows WHERE status = 'done' ORDER BY window_start`)).rows as Array<{ window_start: Date; window_end: Date }>;
  const covered = mergeRanges(done.map((w) => ({ from: w.window_start, to: w.window_end })));
  const gaps = covered.length > 1 ? subtractRanges({ from: covered[0].to, to: covered[covered.length - 1].from }, covered) : [];

  const recent = (await knex.raw(`SELECT * FROM etl.runs ORDER BY run_id DESC LIMIT 10`)).rows.map((r: Record<string, unknown>) => runSummary(r, lockHeld));
  const lastRuns: Partial<Record<RunKind, RunSummary>> = {};
  for (const kind of RUN_KINDS) {
    const r = (await knex.raw(`SELECT * FROM etl.runs WHERE kind = ? ORDER BY run_id DESC LIMIT 1`, [kind])).rows[0];
    if (r) lastRuns[kind] = runSummary(r, lockHeld);
  }

  const failedWindows = (
    await knex.raw(`SELECT window_start, window_end, attempts, run_id, finished_at, error FROM etl.windows WHERE status = 'failed' ORDER BY window_start`)
  ).rows.map((w: Record<string, any>) => ({
    ...(({ from, to, fromInstant, toInstant }) => ({ from, to, fromInstant, toInstant }))(localRange({ from: w.window_start, to: w.window_end }, tz)),
    attempts: w.attempts,
    runId: w.run_id === null ? null : Number(w.run_id),
    failedAt: w.finished_at.toISOString(),
    reason: w.error ?? '(no reason recorded)',
  }));

  const weekStart = localDayStart(now, -7, tz);
  const flags = (
    await knex.raw(`SELECT f AS flag, count(*) AS n FROM core.sessions, unnest(quality_flags) AS f WHERE created_at >= ? GROUP BY f ORDER BY 2 DESC, 1`, [weekStart.toISOString()])
  ).rows as Array<{ flag: string; n: number }>;
  const sessionsLast7Days = Number((await knex.raw(`SELECT count(*) AS n FROM core.sessions WHERE created_at >= ?`, [weekStart.toISOString()])).rows[0].n);

  const rejectsByReason = (
    await knex.raw(`SELECT split_part(reason, ':', 1) AS reason, count(*) AS n, max(rejected_at) AS last FROM etl.rejects GROUP BY 1 ORDER BY 2 DESC, 1`)
  ).rows.map((r: { reason: string; n: number; last: Date }) => ({ reason: r.reason, count: Number(r.n), lastSeen: r.last.toISOString() }));

  const inc = (
    await knex.raw(`SELECT count(*) FILTER (WHERE NOT s.is_complete AND r.completion_given_up_at IS NULL) AS pending,
                           min(s.created_at) FILTER (WHERE NOT s.is_complete AND r.completion_given_up_at IS NULL) AS oldest,
                           count(*) FILTER (WHERE r.completion_given_up_at IS NOT NULL AND NOT s.is_complete) AS given_up
                      FROM core.sessions s JOIN raw.sessions r USING (session_id)`)
  ).rows[0];

  const names = hasNewCounters
    ? (await knex.raw(`SELECT run_id, operator_names FROM etl.runs WHERE operator_names IS NOT NULL ORDER BY run_id DESC LIMIT 1`)).rows[0]
    : undefined;
  const ops = (await knex.raw(`SELECT count(*) AS n, count(*) FILTER (WHERE coalesce(first_name, last_name, user_name) IS NOT NULL) AS named FROM core.operators`)).rows[0];

  const plan = await planNextRun(knex, config, now);

  // --check: what a monitor pages on.
  const problems: string[] = [];
  const latest = recent.find((r: RunSummary) => r.status !== 'running');
  if (latest && (latest.status === 'failed' || latest.status === 'died')) {
    // When windows failed, their line below gives the reason; the run's own error would repeat it.
    const why = latest.error && !(latest.windowsFailed > 0 && failedWindows.length > 0) ? `: ${clip(oneLine(latest.error))}` : '';
    problems.push(`the last ${latest.kind} (run ${latest.runId}, started ${latest.startedAt}) ${latest.status === 'died' ? 'died without finishing' : 'failed'}${why}`);
  }
  if (failedWindows.length) {
    const f = failedWindows[0];
    problems.push(`${failedWindows.length} failed window(s), the first [${f.from}, ${f.to}) ${tz}: ${clip(oneLine(f.reason))}`);
  }
  const success = (
    await knex.raw(`SELECT max(finished_at) AS at FROM etl.runs WHERE status = 'succeeded' AND kind IN ('run', 'backfill')`)
  ).rows[0].at as Date | null;
  if (!success || now.getTime() - success.getTime() > STALE_AFTER_HOURS * 3_600_000) {
    problems.push(success ? `no run or backfill has succeeded for ${Math.floor((now.getTime() - success.getTime()) / 3_600_000)} h (last ${success.toISOString()}; limit ${STALE_AFTER_HOURS} h)` : 'no run or backfill has ever succeeded');
  }

  return {
    ...base,
    migrated,
    coverage: covered.map((r) => localRange(r, tz)),
    gaps: gaps.map((r) => localRange(r, tz)),
    lastRuns,
    recentRuns: recent,
    failedWindows,
    qualityFlagsLast7Days: Object.fromEntries(flags.map((f) => [f.flag, Number(f.n)])),
    sessionsLast7Days,
    rejectsByReason,
    incomplete: { count: Number(inc.pending), oldestCreated: iso(inc.oldest), givenUp: Number(inc.given_up) },
    operatorNames: { source: names?.operator_names ?? null, fromRun: names ? Number(names.run_id) : null, operators: Number(ops.n), withName: Number(ops.named) },
    nextRun: { from: localClock(plan.from, tz), fromInstant: plan.from.toISOString(), to: localClock(plan.to, tz), toInstant: plan.to.toISOString(), because: plan.because },
    check: { ok: problems.length === 0, problems, lastSuccess: iso(success) },
    files: await fileStatus(knex),
    settledRate: await settledRate(knex),
  };
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
/** A backfill argument: the local date when the bound is a midnight, else the exact instant. */
const argOf = (local: string, instant: string) => (/^\d{4}-\d{2}-\d{2}$/.test(local) ? local : instant);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** --check is one line for a pager: long reasons are cut (`status` shows them whole). */
const clip = (s: string, max = 240) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The report as a person reads it. */
export function renderStatus(s: StatusReport): string[] {
  const out: string[] = [];
  const tz = s.reportTz;
  out.push(`Database ${s.database}; days in ${tz}`);
  out.push('');
  if (s.coverage.length === 0) out.push('Loaded: nothing yet');
  else {
    out.push(`Loaded (done windows, ${tz}; ends exclusive):`);
    for (const r of s.coverage) out.push(`  ${r.from} → ${r.to}  (${days(r.days)})`);
  }
  if (s.gaps.length) {
    out.push('Gaps (not loaded, or failed; a backfill fills one):');
    for (const g of s.gaps) out.push(`  ${g.from} → ${g.to}  (${days(g.days)})  npx mluvii-etl backfill --from ${argOf(g.from, g.fromInstant)} --to ${argOf(g.to, g.toInstant)}`);
  } else if (s.coverage.length) out.push('Gaps: none');
  out.push(`Next \`run\` starts at ${s.nextRun.from} (${s.nextRun.because}) and would end at ${s.nextRun.to} (now − ETL_SETTLE)`);

  out.push('');
  out.push('Last run of each kind');
  const kinds = (['run', 'backfill', 'reprocess'] as RunKind[]).filter((k) => s.lastRuns[k]);
  if (kinds.length === 0) out.push('  none yet');
  else {
    out.push(
      table(
        ['kind', 'run', 'status', 'started', 'took s', 'windows done/failed/skipped', 'sessions', 'changed', 'rejects', 'API requests', '429s', 'retries'],
        kinds.map((k) => {
          const r = s.lastRuns[k] as RunSummary;
          return [k, r.runId, r.status === 'died' ? 'died (killed; closed by the next writer)' : r.status, r.startedAt, r.durationSeconds, `${r.windowsDone}/${r.windowsFailed}/${r.windowsSkipped}`, r.sessions, r.sessionsChanged, r.rejects, r.apiRequests, r.apiRateLimited, r.apiRetries];
        }),
      ),
    );
    for (const k of kinds) {
      const r = s.lastRuns[k] as RunSummary;
      if (r.error) out.push(`  ${k} ${r.runId} error: ${r.error}`);
    }
  }

  out.push('');
  if (s.failedWindows.length === 0) out.push('Failed windows: none');
  else {
    out.push(`Failed windows (${s.failedWindows.length}; the next \`run\` retries from the first):`);
    for (const f of s.failedWindows) out.push(`  ${f.from} → ${f.to} (${f.fromInstant} – ${f.toInstant}), ${f.attempts} attempt(s), last by run ${f.runId ?? '—'} at ${f.failedAt}:\n      ${f.reason}`);
  }

  out.push('');
  const flags = Object.entries(s.qualityFlagsLast7Days);
  out.push(`Quality flags, sessions created in the last 7 days (${s.sessionsLast7Days} sessions): ${flags.length ? flags.map(([f, n]) => `${f} ${n}`).join(', ') : 'none'}`);
  out.push(`Incomplete sessions (re-fetched by each run): ${s.incomplete.count}${s.incomplete.oldestCreated ? `, oldest created ${s.incomplete.oldestCreated}` : ''}; given up (never_completed): ${s.incomplete.givenUp}`);
  out.push(
    `Operator names: ${s.operatorNames.source ? `from ${s.operatorNames.source} (run ${s.operatorNames.fromRun})` : 'no run has recorded a source yet'}; ${s.operatorNames.operators} operators known, ${s.operatorNames.withName} with a name`,
  );
  if (s.rejectsByReason.length === 0) out.push('Rejected payloads: none');
  else {
    out.push('Rejected payloads (etl.rejects), by reason:');
    out.push(table(['reason', 'count', 'last seen'], s.rejectsByReason.map((r) => [r.reason, r.count, r.lastSeen])));
  }
  if (s.files) {
    const c = s.files;
    out.push(
      `Files (recordings and shared files): ${c.pending} pending (${c.available} available, ${c.processing} processing), ${c.stored} stored, ` +
        `${c.failed} failed, ${c.gone} gone, ${c.deleted} deleted; ${formatBytes(c.bytesOnDisk)} on disk`,
    );
    if (c.failedBecause.length) out.push(table(['failed because', 'files'], c.failedBecause.map((r) => [r.reason, r.files])));
  }

  if (s.settledRate) out.push(`MLUVII_RPS=auto settled on ${s.settledRate.rps} requests/s (run ${s.settledRate.runId}, ${s.settledRate.kind})`);

  out.push('');
  out.push('Recent runs');
  out.push(
    table(
      ['run', 'kind', 'status', 'started', 'took s', 'windows d/f/s', 'sessions', 'requests'],
      s.recentRuns.map((r) => [r.runId, r.kind, r.status, r.startedAt, r.durationSeconds, `${r.windowsDone}/${r.windowsFailed}/${r.windowsSkipped}`, r.sessions, r.apiRequests]),
    ),
  );
  out.push('');
  out.push(checkLine(s));
  return out;
}

/** The one line of `status --check`. */
export function checkLine(s: StatusReport): string {
  if (s.check.ok) return `OK: last successful run/backfill ${s.check.lastSuccess}; no failed windows`;
  return `FAIL: ${s.check.problems.join('; ')}`;
}

/**
 * `status [--json] [--check]`: read-only. `--check` prints one line and exits 1 when the last run
 * failed, a window is failed, or no run/backfill succeeded in the last 36 hours (for monitors).
 */
export const statusCommand: CommandHandler = async ({ config, opts, print }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const report = await collectStatus(knex, config, new Date());
    if (opts.json) print(JSON.stringify(report, null, 2));
    else if (opts.check) print(checkLine(report));
    else if (!report.migrated) print('The database has no mluvii-etl tables yet: run `npx mluvii-etl migrate` (or `run`/`backfill`, which migrate first).');
    else for (const line of renderStatus(report)) print(line);
    return opts.check && !report.check.ok ? 1 : 0;
  } finally {
    await knex.destroy();
  }
};

/** Recordings and shared files (issue #12): counts by state, bytes on disk, why downloads failed. */
async function settledRate(knex: Knex): Promise<StatusReport['settledRate']> {
  const r = await latestSettledRate(knex);
  return r && { rps: r.rps, runId: r.runId, kind: r.kind };
}

async function fileStatus(knex: Knex): Promise<StatusReport['files']> {
  if (!(await knex.raw(`SELECT to_regclass('reporting.session_files') IS NOT NULL AS ok`)).rows[0].ok) return undefined;
  return { ...(await fileCounts(knex)), failedBecause: await failedFileReasons(knex) };
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]} (${n} bytes)`;
}

import type { Knex } from 'knex';
import { type Config, redactUrl } from '../config.js';
import { lastOperatorNamesSource, lastRunOf, lastSuccessfulLoad, latestSettledRate, recentRuns, type RunKind, type RunRecord } from '../load/etl-runs.js';
import { doneWindows, failedWindows as readFailedWindows, prematureDoneWindows } from '../load/etl-windows.js';
import type { FileCounts, FileReason } from '../load/file-figures.js';
import { isFilesPassRunning } from '../load/files-pass.js';
import { fileFigures, incompleteSessionCounts, migrationState, operatorNameCounts, qualityFlagsSince, rejectsByReason } from '../load/status-figures.js';
import { isWriterLockHeld } from '../load/writer-lock.js';
import { hintsLoadedThrough } from '../load/hint-loads.js';
import { hintQueueFigures } from '../load/serve-figures.js';
import { DAY_MS, dayjs } from '../util/dates.js';
import { mergeRanges, subtractRanges, type TimeWindow } from '../util/time-range.js';
import { tenantNameOf } from '../tenants/tenant.js';
import { planNextRun } from './next-run.js';
import { collectPrivacyStatus, type PrivacyStatus } from './privacy-status.js';
import { localDayStart } from './windows.js';

/**
 * Everything `status` shows, as data (`status --json` prints exactly this): read from the
 * warehouse through src/load, with the next run's start taken from planNextRun, the rule `run`
 * itself follows.
 */

/** No successful run/backfill for this long fails `status --check`. */
export const STALE_AFTER_HOURS = 36;
/** A session hint still waiting this long after it was due fails `status --check`: no worker takes the hints. */
export const HINT_OVERDUE_MINUTES = 10;

/** Where the session hints wait (pg-boss's schema and queue: src/jobs/queues.ts), for the intraday line. */
export interface HintQueue {
  schema: string;
  queue: string;
}
const RUN_KINDS: RunKind[] = ['run', 'backfill', 'reprocess', 'files'];

/** A range in REPORT_TZ: local wall-clock bounds for people, ISO instants for machines. */
export interface LocalRange {
  from: string;
  to: string;
  fromInstant: string;
  toInstant: string;
  days: number;
}

/** A run as `status` shows it (and `status --json` prints it): instants as ISO text, its duration, and whether it died. */
export interface RunSummary extends Omit<RunRecord, 'status' | 'startedAt' | 'finishedAt' | 'sessionsSeen'> {
  /** 'died' = still marked running but no process holds its lock (the writer lock; `files`: a files pass) (killed; closed by the next writer). */
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'died';
  startedAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
  sessions: number;
}

export interface StatusReport {
  database: string;
  /** The tenant it is about (`default`, MLUVII_TENANT, or a registered one). */
  tenant: string;
  reportTz: string;
  migrated: boolean;
  coverage: LocalRange[];
  gaps: LocalRange[];
  lastRuns: Partial<Record<RunKind, RunSummary>>;
  recentRuns: RunSummary[];
  failedWindows: Array<{ from: string; to: string; fromInstant: string; toInstant: string; attempts: number; runId: number | null; failedAt: string; reason: string }>;
  /** Done windows marked before they ended (an older version's backfill into the future): their later sessions are missing. */
  prematureWindows: Array<{ from: string; to: string; fromInstant: string; toInstant: string; markedAt: string; runId: number | null }>;
  qualityFlagsLast7Days: Record<string, number>;
  sessionsLast7Days: number;
  rejectsByReason: Array<{ reason: string; count: number; lastSeen: string }>;
  incomplete: { count: number; oldestCreated: string | null; givenUp: number };
  operatorNames: { source: string | null; fromRun: number | null; operators: number; withName: number };
  nextRun: { from: string; fromInstant: string; to: string; toInstant: string; because: string };
  check: { ok: boolean; problems: string[]; lastSuccess: string | null };
  /** Recordings and shared files by state, with why those not stored are not (each state's reasons add up; absent before that migration). */
  files?: FileCounts & { failedBecause: Array<{ reason: string; files: number }>; notDownloadedBecause: FileReason[] };
  /** With MLUVII_RPS=auto: the rate the latest such run settled on. */
  settledRate?: { rps: number; runId: number; kind: string };
  /** Data protection: the sweep of sessions anonymized at mluvii, retention, erasures (docs/privacy.md). */
  privacy?: PrivacyStatus;
  /**
   * Today's numbers from `serve`'s webhook hints: when hinted sessions were last read from the API,
   * hints waiting (those overdue: due over HINT_OVERDUE_MINUTES ago), hints given up in the last
   * 24 hours (the nightly run loads their sessions). Absent when no queue was given or pg-boss's schema is not there.
   */
  intraday?: { hintsLoadedThrough: string | null; waiting: number; overdue: number; oldestOverdue: string | null; givenUpLast24h: number };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** --check is one line for a pager: long reasons are cut (`status` shows them whole). */
const clip = (s: string, max = 240) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

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

function runSummary(r: RunRecord, held: { writer: boolean; files: boolean }): RunSummary {
  const lockHeld = r.kind === 'files' ? held.files : held.writer;
  return {
    runId: r.runId,
    kind: r.kind,
    status: r.status === 'running' && !lockHeld ? 'died' : r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    durationSeconds: r.finishedAt ? Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 100) / 10 : null,
    windowsDone: r.windowsDone,
    windowsFailed: r.windowsFailed,
    windowsSkipped: r.windowsSkipped,
    sessions: r.sessionsSeen,
    sessionsChanged: r.sessionsChanged,
    rejects: r.rejects,
    apiRequests: r.apiRequests,
    apiRateLimited: r.apiRateLimited,
    apiRetries: r.apiRetries,
    operatorNames: r.operatorNames,
    error: r.error,
  };
}

/**
 * Everything `status` shows about the tenant of `knex` (a tenant's connection, src/db/tenant-knex.ts,
 * with that tenant's settings), read-only, as data (`status --json` prints exactly this).
 */
export async function collectStatus(knex: Knex, config: Config, now: Date, hintQueue?: HintQueue): Promise<StatusReport> {
  const tz = config.reportTz;
  const base = { database: redactUrl(config.databaseUrl ?? ''), tenant: tenantNameOf(config), reportTz: tz };
  const state = await migrationState(knex);
  const migrated = state === 'current';
  const plan0 = { from: '', fromInstant: '', to: '', toInstant: '', because: '' };
  if (!migrated) {
    const problem = state === 'none' ? 'the database is not migrated (run `npx mluvii-etl migrate`)' : 'the database was migrated by an older version of mluvii-etl (run `npx mluvii-etl migrate`)';
    return {
      ...base, migrated, coverage: [], gaps: [], lastRuns: {}, recentRuns: [], failedWindows: [], prematureWindows: [], qualityFlagsLast7Days: {}, sessionsLast7Days: 0,
      rejectsByReason: [], incomplete: { count: 0, oldestCreated: null, givenUp: 0 }, operatorNames: { source: null, fromRun: null, operators: 0, withName: 0 },
      nextRun: plan0, check: { ok: false, problems: [problem], lastSuccess: null },
    };
  }
  const lockHeld = { writer: await isWriterLockHeld(knex), files: await isFilesPassRunning(knex) };

  const covered = mergeRanges(await doneWindows(knex));
  const gaps = covered.length > 1 ? subtractRanges({ from: covered[0].to, to: covered[covered.length - 1].from }, covered) : [];

  const recent = (await recentRuns(knex, 10)).map((r) => runSummary(r, lockHeld));
  const lastRuns: Partial<Record<RunKind, RunSummary>> = {};
  for (const kind of RUN_KINDS) {
    const r = await lastRunOf(knex, kind);
    if (r) lastRuns[kind] = runSummary(r, lockHeld);
  }

  const failedWindows = (await readFailedWindows(knex)).map((w) => ({
    ...(({ from, to, fromInstant, toInstant }) => ({ from, to, fromInstant, toInstant }))(localRange(w, tz)),
    attempts: w.attempts,
    runId: w.runId,
    failedAt: w.failedAt.toISOString(),
    reason: w.error ?? '(no reason recorded)',
  }));

  const prematureWindows = (await prematureDoneWindows(knex)).map((w) => ({
    ...(({ from, to, fromInstant, toInstant }) => ({ from, to, fromInstant, toInstant }))(localRange(w, tz)),
    markedAt: w.markedAt.toISOString(),
    runId: w.runId,
  }));

  const week = await qualityFlagsSince(knex, localDayStart(now, -7, tz));
  const rejects = (await rejectsByReason(knex)).map((r) => ({ reason: r.reason, count: r.count, lastSeen: r.lastSeen.toISOString() }));
  const inc = await incompleteSessionCounts(knex);
  const names = await lastOperatorNamesSource(knex);
  const ops = await operatorNameCounts(knex);
  const plan = await planNextRun(knex, config, now);

  // --check: what a monitor pages on.
  const problems: string[] = [];
  // A run that found another writer busy did nothing and failed nothing: the one before it counts.
  const latest = recent.find((r: RunSummary) => r.status !== 'running' && r.status !== 'skipped');
  if (latest && (latest.status === 'failed' || latest.status === 'died')) {
    // When windows failed, their line below gives the reason; the run's own error would repeat it.
    const why = latest.error && !(latest.windowsFailed > 0 && failedWindows.length > 0) ? `: ${clip(oneLine(latest.error))}` : '';
    problems.push(`the last ${latest.kind} (run ${latest.runId}, started ${latest.startedAt}) ${latest.status === 'died' ? 'died without finishing' : 'failed'}${why}`);
  }
  if (failedWindows.length) {
    const f = failedWindows[0];
    problems.push(`${failedWindows.length} failed window(s), the first [${f.from}, ${f.to}) ${tz}: ${clip(oneLine(f.reason))}`);
  }
  if (prematureWindows.length) {
    const first = prematureWindows[0];
    const last = prematureWindows[prematureWindows.length - 1];
    problems.push(
      `${prematureWindows.length} window(s) marked done before they ended, the first [${first.from}, ${first.to}) ${tz} at ${first.markedAt}: ` +
        `what was created after the mark is missing and \`run\` skips it; clear the marks with \`npx mluvii-etl checkpoints clear --from ${first.fromInstant} --to ${last.toInstant}\``,
    );
  }
  const intraday = hintQueue && (await intradayStatus(knex, hintQueue, base.tenant, now));
  if (intraday?.overdue) {
    problems.push(
      `${intraday.overdue} session hint(s) from \`serve\` were due more than ${HINT_OVERDUE_MINUTES} min ago and still wait (the oldest since ${intraday.oldestOverdue}): is a \`mluvii-etl worker\` running for this warehouse?`,
    );
  }
  const privacy = await collectPrivacyStatus(knex, config);
  problems.push(...(privacy?.problems ?? []));
  const success = await lastSuccessfulLoad(knex);
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
    prematureWindows,
    qualityFlagsLast7Days: Object.fromEntries(week.flags.map((f) => [f.flag, f.sessions])),
    sessionsLast7Days: week.sessions,
    rejectsByReason: rejects,
    incomplete: { count: inc.pending, oldestCreated: iso(inc.oldestCreated), givenUp: inc.givenUp },
    operatorNames: { source: names?.source ?? null, fromRun: names ? names.runId : null, ...ops },
    nextRun: { from: localClock(plan.from, tz), fromInstant: plan.from.toISOString(), to: localClock(plan.to, tz), toInstant: plan.to.toISOString(), because: plan.because },
    check: { ok: problems.length === 0, problems, lastSuccess: iso(success) },
    files: await fileFigures(knex),
    settledRate: await settledRate(knex),
    privacy,
    ...(intraday ? { intraday } : {}),
  };
}

async function intradayStatus(knex: Knex, q: HintQueue, tenant: string, now: Date): Promise<StatusReport['intraday']> {
  const figures = await hintQueueFigures(knex, q.schema, q.queue, tenant, { overdueBefore: new Date(now.getTime() - HINT_OVERDUE_MINUTES * 60_000), failedSince: new Date(now.getTime() - DAY_MS) });
  if (!figures) return undefined;
  return { hintsLoadedThrough: iso(await hintsLoadedThrough(knex)), waiting: figures.waiting, overdue: figures.overdue, oldestOverdue: iso(figures.oldestOverdue), givenUpLast24h: figures.failed };
}


async function settledRate(knex: Knex): Promise<StatusReport['settledRate']> {
  const r = await latestSettledRate(knex);
  return r && { rps: r.rps, runId: r.runId, kind: r.kind };
}

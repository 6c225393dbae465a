import type { RunKind } from '../load/etl-runs.js';
import { DATE_ONLY, dayjs } from '../util/dates.js';
import { table } from '../util/text-table.js';
import { formatBytes } from './progress.js';
import { privacyAlarm, renderPrivacyStatus } from './privacy-status.js';
import type { RunSummary, StatusReport } from './status-report.js';

/** `status` as a person reads it on a terminal at 3 a.m. */

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
/** A backfill argument: the local date when the bound is a midnight, else the exact instant. */
const argOf = (local: string, instant: string) => (DATE_ONLY.test(local) ? local : instant);

/** The report as a person reads it. */
export function renderStatus(s: StatusReport): string[] {
  const out: string[] = [];
  const tz = s.reportTz;
  out.push(`Database ${s.database}; days in ${tz}`);
  const alarm = s.privacy && privacyAlarm(s.privacy);
  if (alarm) out.push(alarm);
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
  const kinds = (['run', 'backfill', 'reprocess', 'files'] as RunKind[]).filter((k) => s.lastRuns[k]);
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

  if (s.prematureWindows.length) {
    out.push('');
    out.push(`Marked done before they ended (${s.prematureWindows.length}; sessions created after the mark are missing, and \`run\` skips them):`);
    for (const p of s.prematureWindows) out.push(`  ${p.from} → ${p.to} (${p.fromInstant} – ${p.toInstant}), marked at ${p.markedAt} by run ${p.runId ?? '—'}`);
    const first = s.prematureWindows[0];
    const last = s.prematureWindows[s.prematureWindows.length - 1];
    out.push(`  repair: npx mluvii-etl checkpoints clear --from ${first.fromInstant} --to ${last.toInstant}   (the data stays; the next run loads the range again)`);
  }

  out.push('');
  const flags = Object.entries(s.qualityFlagsLast7Days);
  out.push(`Quality flags, sessions created in the last 7 days (${s.sessionsLast7Days} sessions): ${flags.length ? flags.map(([f, n]) => `${f} ${n}`).join(', ') : 'none'}`);
  out.push(`Incomplete sessions (re-fetched by each run): ${s.incomplete.count}${s.incomplete.oldestCreated ? `, oldest created ${s.incomplete.oldestCreated}` : ''}; given up (never_completed): ${s.incomplete.givenUp}`);
  if (s.intraday) out.push(intradayLine(s.intraday, s.reportTz));
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
        `${c.failed} failed, ${c.gone} gone, ${c.unavailable} unavailable, ${c.tooLarge} too large, ${c.deleted} deleted; ${bytesWithExact(c.bytesOnDisk)} on disk`,
    );
    if (c.failedBecause.length) out.push(table(['failed because', 'files'], c.failedBecause.map((r) => [r.reason, r.files])));
    // Not failures: states of their own, never retried as such (the reasons still add up).
    const other = c.notDownloadedBecause ?? [];
    if (other.length) out.push(table(['state', 'because', 'files'], other.map((r) => [r.state, r.reason, r.files])));
  }

  if (s.privacy) out.push(...renderPrivacyStatus(s.privacy));
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

/** 812 bytes; 3.4 MiB (3565158 bytes): the exact figure beside the readable one, for on-call to compare. */
function bytesWithExact(n: number): string {
  return n < 1024 ? `${n} bytes` : `${formatBytes(n)} (${n} bytes)`;
}

/** Today's numbers from `serve`'s webhook hints, in one line. */
function intradayLine(i: NonNullable<StatusReport['intraday']>, tz: string): string {
  const last = i.hintsLoadedThrough ? `hinted sessions last read from the API ${dayjs(i.hintsLoadedThrough).tz(tz).format('YYYY-MM-DD HH:mm:ss')}` : 'no hinted session loaded yet (`serve` not in use, or no call yet)';
  const overdue = i.overdue ? ` — ${i.overdue} OVERDUE (due since ${i.oldestOverdue}): is a worker running?` : '';
  return `Intraday (webhook hints from serve): ${last}; ${i.waiting} hint(s) waiting${overdue}; given up in the last 24 h: ${i.givenUpLast24h} (the nightly run loads their sessions)`;
}

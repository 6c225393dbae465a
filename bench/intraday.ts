/**
 * Today's numbers within a minute: the simulator's contact center at about 20 sessions ending
 * per second (a weekday's busiest hour, scaled up), its webhooks delivered live to a real
 * `mluvii-etl serve` child process, and one or more real `mluvii-etl worker` processes loading
 * the hints at the tenant's API rate limit (the simulator answers 429 above it; the workers
 * draw from the tenant's one request budget in the warehouse, so each is given the whole limit).
 * The simulator's clock runs at the real speed, so a session's end in the simulator is an instant
 * of the wall clock.
 *
 * Measured, for every session that ends in the measured span:
 * - `intraday.p95_seconds`: from its end in the simulator to its row in
 *   reporting.session_durations showing it ended (polled every 250 ms), 95th percentile; target
 *   ≤ 60 (MLUVII_WEBHOOK_DEBOUNCE, 30 s by default, is part of it);
 * - `intraday.requests_per_session`: the API requests spent on the span's sessions (the simulator
 *   counts each request that asks for sessions by id: a detail or routing history is one request
 *   of its session, a list filtered by n session ids 1/n of each), re-loads included, per session:
 *   measured once every later event of those sessions was delivered and loaded (their operators'
 *   conclusions, recordings processed: DRAIN_S after the span), so it is the steady state and
 *   not a run cut short before the follow-ups; target ≤ 2.5.
 * Baseline, in the same run: a window load (backfill) of the same span of sessions, its API
 * requests per session (pages and routing histories).
 *
 *   node --import tsx bench/intraday.ts [--quick] [--seconds=300] [--workers=2] [--concurrency=1] [--rps=60] [--debounce=30s] [--drain=420]
 *
 * --quick measures 60 s; the full run 300 s (5 minutes).
 */
import { performance } from 'node:perf_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import { backfillCommand } from '../src/commands/backfill.js';
import { JOBS_SCHEMA, QUEUES } from '../src/jobs/queues.js';
import { generateSessions } from '../src/simulator/generator.js';
import { startSimulator } from '../src/simulator/server.js';
import { registerWebhook, removeWebhooks } from '../test/helpers/intraday.js';
import { pipelineEnv, runCommand, testConfig } from '../test/helpers/warehouse.js';
import { startWorker, type RunningProcess } from '../test/helpers/workers.js';
import { benchDatabase, QUICK, ratio, report } from './lib.js';

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SECONDS = Number(option('seconds') ?? (QUICK ? 60 : 300));
const WORKERS = Number(option('workers') ?? 2);
/** Hint batches each worker runs at once (`worker --concurrency`). */
const CONCURRENCY = Number(option('concurrency') ?? 1);
const RPS = Number(option('rps') ?? 60);
const DEBOUNCE = option('debounce') ?? '30s';
const ENDING_PER_S = 20;
/** After the measured span, how long sessions that ended in it may still take to show. */
const GRACE_S = 120;
/**
 * After the span, how long the simulator goes on (sessions ending, webhooks sent, workers
 * loading) before the span's requests are counted: its sessions' last events (recordings
 * processed up to 3 minutes after the end, events sent up to 2 minutes late) and the follow-up
 * loads they queue (waiting six debounces) are then behind it.
 */
const DRAIN_S = Number(option('drain') ?? 420);
const SECRET = 'bench-intraday-secret-0123456789abcdef';
const SEED = 5;
// A Monday, 10:00 in Prague (09:00Z): the simulator's busiest weekday hours are 09:00–11:00. A
// Monday, since the simulator's webhooks look back two days for stories still going on (its
// longest), and at this scale a quiet weekend behind it keeps that in memory.
const SIM_START = Date.parse('2026-11-16T09:00:00Z');
// The simulator spreads a weekday's sessions over its hours (their weights add up to 94.3; 09:00 and 10:00 weigh 10).
const SESSIONS_PER_DAY = Math.round((ENDING_PER_S * 3600 * 94.3) / 10);

/** Starts a child that prints `listening on <host>:<port>` and returns its port. */
function startServe(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['bin/mluvii-etl.js', 'serve', '--host', '127.0.0.1', '--port', '0'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no "listening on" within 60 s: ${out}`)), 60_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on [^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

// Which sessions end in the measured span, straight from the generator (independent of the simulator's server).
const spanEnd = SIM_START + SECONDS * 1000;
const endedAt = new Map<number, number>();
for (const s of generateSessions({ seed: SEED, from: new Date(SIM_START - 3 * 3_600_000), to: new Date(spanEnd), sessionsPerDay: SESSIONS_PER_DAY })) {
  const ended = s.session.ended ? Date.parse(String(s.session.ended)) : NaN;
  if (ended > SIM_START && ended <= spanEnd) endedAt.set(Number(s.session.id), ended);
}
console.log(`intraday: ${endedAt.size} sessions end in ${SECONDS} s (${round(endedAt.size / SECONDS, 1)}/s); ${WORKERS} worker(s) at ${RPS} requests/s in all; debounce ${DEBOUNCE}`);

const db = await benchDatabase();
const baselineDb = await benchDatabase();
// The simulator's clock stands at SIM_START until the measured span starts, then runs at the real speed.
let wallAtStart: number | undefined;
const sim = await startSimulator({ seed: SEED, sessionsPerDay: SESSIONS_PER_DAY, now: () => new Date(SIM_START + (wallAtStart === undefined ? 0 : performance.now() - wallAtStart)), misbehaviour: { rateLimitRps: RPS } });
// Planned before the clock runs: the two days of sessions the webhooks look back on.
sim.expectedSessionIds(new Date(SIM_START - 49 * 3_600_000), new Date(SIM_START + 3_600_000));
const processes: RunningProcess[] = [];
let serve: { child: ChildProcess; port: number } | undefined;
try {
  serve = await startServe({ MLUVII_ENV_FILE: 'none', DATABASE_URL: db.url, MLUVII_WEBHOOK_SECRET: SECRET, MLUVII_WEBHOOK_DEBOUNCE: DEBOUNCE, LOG_LEVEL: 'warn' });
  const workerEnv = pipelineEnv(db, sim, { MLUVII_RPS: String(RPS), MLUVII_CONCURRENCY: '16', LOG_LEVEL: 'warn' });
  for (let i = 0; i < WORKERS; i++) processes.push(await startWorker(workerEnv, CONCURRENCY));
  await registerWebhook(sim, `http://127.0.0.1:${serve.port}/webhooks/mluvii/default/${SECRET}`);
  await sim.deliverWebhooksUpTo(new Date(SIM_START)); // plans the events of those days, before the clock runs
  const started = performance.now();
  wallAtStart = started;
  sim.resetStats();
  sim.startWebhookDelivery(200);
  const wallOf = (simMs: number) => started + (simMs - SIM_START);

  const seenAt = new Map<number, number>();
  const poll = async () => {
    const { rows } = await db.knex.raw('SELECT session_id FROM reporting.session_durations WHERE ended_at IS NOT NULL');
    const now = performance.now();
    for (const r of rows as Array<{ session_id: string }>) {
      const id = Number(r.session_id);
      if (!seenAt.has(id)) seenAt.set(id, now);
    }
  };
  const deadline = started + (SECONDS + GRACE_S) * 1000;
  let lastPrint = 0;
  for (;;) {
    await poll();
    const now = performance.now();
    const shown = [...endedAt.keys()].filter((id) => seenAt.has(id)).length;
    if (now - lastPrint > 15_000) {
      lastPrint = now;
      const queue = (await db.knex.raw(`SELECT state::text, count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = ? GROUP BY 1 ORDER BY 1`, [QUEUES.sessionHint.name])).rows;
      console.log(`  t=${round((now - started) / 1000, 0)} s: ${shown}/${endedAt.size} of the span's sessions shown; hints ${JSON.stringify(Object.fromEntries(queue.map((q: { state: string; n: number }) => [q.state, q.n])))}; API requests ${sim.stats().arrivals.length}`);
    }
    if ((now > started + SECONDS * 1000 && shown === endedAt.size) || now > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainUntil = started + (SECONDS + DRAIN_S) * 1000;
  const spanIds = [...endedAt.keys()];
  for (;;) {
    const now = performance.now();
    const waiting = Number(
      (await db.knex.raw(`SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = ? AND state IN ('created', 'retry', 'active') AND (data->>'sessionId')::bigint = ANY(?)`, [QUEUES.sessionHint.name, spanIds])).rows[0].n,
    );
    if (now - lastPrint > 15_000) {
      lastPrint = now;
      console.log(`  t=${round((now - started) / 1000, 0)} s (draining): ${waiting} hints of the span's sessions waiting; API requests ${sim.stats().arrivals.length}`);
    }
    if ((now > drainUntil && waiting === 0) || now > drainUntil + 300_000) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const spanRequests = sim.requestsForSessions(spanIds);
  const requests = sim.stats().arrivals.length;
  // Loads of the span's sessions (hint jobs that loaded them), follow-ups included.
  const spanLoads = Number(
    (await db.knex.raw(`SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = ? AND state = 'completed' AND output->>'outcome' = 'loaded' AND (output->>'sessionId')::bigint = ANY(?)`, [QUEUES.sessionHint.name, [...endedAt.keys()]])).rows[0].n,
  );
  const byEndpoint = sim.stats().byEndpoint;
  const loaded = Number((await db.knex.raw('SELECT count(*)::int AS n FROM core.sessions')).rows[0].n);

  const latencies = [...endedAt].filter(([id]) => seenAt.has(id)).map(([id, ended]) => (seenAt.get(id)! - wallOf(ended)) / 1000).sort((a, b) => a - b);
  const missing = endedAt.size - latencies.length;
  // A session never shown counts as slower than every shown one.
  const all = [...latencies, ...Array(missing).fill(Infinity)];
  const p95 = percentile(all, 0.95);

  // Baseline: the same span loaded by a window (backfill), requests counted the same way. The
  // webhooks stop first: moved hours ahead, the clock would have the simulator deliver those hours.
  await removeWebhooks(sim);
  for (const p of processes) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  processes.length = 0;
  sim.setMisbehaviour({});
  sim.setNow(() => new Date(spanEnd + 3 * 3_600_000));
  sim.resetStats();
  const windowEnv = pipelineEnv(baselineDb, sim, { MLUVII_RPS: '1000', MLUVII_CONCURRENCY: '16', ETL_SETTLE: '1m', REPORT_TZ: 'Europe/Prague', MLUVII_MAX_SESSIONS_PER_HOUR: '200000' });
  const backfill = await runCommand(backfillCommand, testConfig(windowEnv), { from: new Date(SIM_START - 10 * 60_000).toISOString(), to: new Date(spanEnd).toISOString(), window: '10m' }, new Date(spanEnd + 3 * 3_600_000));
  if (backfill.code !== 0) throw new Error(`the baseline backfill failed: ${backfill.output}`);
  const windowRequests = sim.stats().arrivals.length;
  const windowSessions = Number((await baselineDb.knex.raw('SELECT count(*)::int AS n FROM core.sessions')).rows[0].n);
  const windowPerSession = windowRequests / windowSessions;

  const requestsPerSession = spanRequests / endedAt.size;
  report('intraday', {
    intraday: {
      p95_seconds: Number.isFinite(p95) ? round(p95, 1) : null,
      requests_per_session: round(requestsPerSession, 3),
      p50_seconds: round(percentile(latencies, 0.5), 1),
      max_seconds: latencies.length ? round(latencies[latencies.length - 1], 1) : null,
      sessions_ending_in_span: endedAt.size,
      sessions_ending_per_s: round(endedAt.size / SECONDS, 1),
      sessions_not_shown: missing,
      sessions_loaded: loaded,
      span_requests: round(spanRequests, 1),
      all_requests_per_loaded_session: round(requests / loaded, 3),
      drain_seconds: DRAIN_S,
      loads_per_span_session: round(spanLoads / Math.max(1, latencies.length), 3),
      api_requests: requests,
      api_rate_limited: Object.values(byEndpoint).reduce((n, e) => n + (e['429'] ?? 0), 0),
      seconds: SECONDS,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      rps_limit: RPS,
      debounce: DEBOUNCE,
    },
    window_load: { requests_per_session: round(windowPerSession, 3), sessions: windowSessions, api_requests: windowRequests },
    requests_ratio_vs_window: ratio(requestsPerSession, windowPerSession),
    goal: `p95 ≤ 60 s ${Number.isFinite(p95) && p95 <= 60 ? '✔' : '✘'}, requests per session ≤ 2.5 ${requestsPerSession <= 2.5 ? '✔' : '✘'}`,
  });
} finally {
  for (const p of processes) p.child.kill('SIGKILL');
  serve?.child.kill('SIGTERM');
  await sim.stop();
  await db.drop();
  await baselineDb.drop();
}

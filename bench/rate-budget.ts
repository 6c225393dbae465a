/**
 * The shared request budget (etl.rate_budget): every process calling a tenant's API draws its
 * request starts from the tenant's one schedule in the warehouse. The simulator enforces its limit
 * per rolling second (429 with Retry-After beyond), answers take LATENCY_MS; the rate counted is
 * the 2xx answers per second at the simulator, against the limit (the baseline: the most any
 * client can get).
 * 1. `ours`: one `backfill` process, MLUVII_RPS = R = 20 (extraction.ts measures the same).
 * 2. `workers`: 3 workers on one tenant (MLUVII_RPS = R = 20 each) working a `backfill --queue`:
 *    `workers.rate_over_R` and `workers.share_429`.
 * 3. `tenants`: 2 tenants limited to 20 and 10 (MLUVII_RPS 20 and 10), 2 workers, a `backfill
 *    --queue` of each at once: `tenants.rate_over_sum_R` of 30 req/s together.
 *   node --import tsx bench/rate-budget.ts [--quick]
 */
import { tenantsCommand } from '../src/commands/tenants.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { pipelineEnv, runCommand, testConfig } from '../test/helpers/warehouse.js';
import { startCli, startWorker, type RunningProcess } from '../test/helpers/workers.js';
import { benchDatabase, QUICK, ratio, report } from './lib.js';

const R = 20;
const SMALL_R = 10;
const LATENCY_MS = 80;
/** Measured after the processes started and the first windows are under way. */
const WARM_MS = QUICK ? 8_000 : 10_000;
const MEASURE_MS = QUICK ? 25_000 : 60_000;
const FROM = '2026-02-02T00:00:00Z';
const TO = '2026-03-02T00:00:00Z';
const SETTINGS = { MLUVII_CONCURRENCY: '4', REPORT_TZ: 'UTC', LOG_LEVEL: 'warn' };

interface Figures {
  seconds: number;
  requests: number;
  answered_ok: number;
  answered_429: number;
  rate_ok_per_s: number;
  share_429: number;
}

function figures(sim: RunningSimulator): Figures {
  const s = sim.stats();
  let ok = 0;
  let limited = 0;
  for (const [endpoint, byStatus] of Object.entries(s.byEndpoint)) {
    if (endpoint === 'token' || endpoint === 'login') continue;
    for (const [status, n] of Object.entries(byStatus)) {
      if (status === '429') limited += n;
      else if (status.startsWith('2')) ok += n;
    }
  }
  const sec = MEASURE_MS / 1000;
  const requests = s.arrivals.length;
  return {
    seconds: sec,
    requests,
    answered_ok: ok,
    answered_429: limited,
    rate_ok_per_s: Number((ok / sec).toFixed(2)),
    share_429: requests ? Number((limited / requests).toFixed(4)) : 0,
  };
}

const simulator = (limit: number) => startSimulator({ now: () => new Date(), seed: 11, sessionsPerDay: 3000, misbehaviour: { rateLimitRps: limit, slowRate: 1, slowMs: LATENCY_MS } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits out the warm-up, then counts MEASURE_MS at every simulator. */
async function measure(sims: RunningSimulator[]): Promise<Figures[]> {
  await sleep(WARM_MS);
  for (const s of sims) s.resetStats();
  await sleep(MEASURE_MS);
  return sims.map(figures);
}

async function stopAll(processes: RunningProcess[]): Promise<void> {
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
}

async function ours(): Promise<Figures & { rate_over_R: number }> {
  const sim = await simulator(R);
  const db = await benchDatabase();
  const processes: RunningProcess[] = [];
  try {
    processes.push(startCli(['backfill', '--from', FROM, '--to', TO], pipelineEnv(db, sim, { ...SETTINGS, MLUVII_RPS: String(R) })));
    const [f] = await measure([sim]);
    return { ...f, rate_over_R: ratio(f.rate_ok_per_s, R) };
  } finally {
    await stopAll(processes);
    await sim.stop();
    await db.drop();
  }
}

async function workers(): Promise<Figures & { workers: number; rate_over_R: number }> {
  const sim = await simulator(R);
  const db = await benchDatabase();
  const processes: RunningProcess[] = [];
  try {
    const env = pipelineEnv(db, sim, { ...SETTINGS, MLUVII_RPS: String(R) });
    processes.push(...(await Promise.all([startWorker(env), startWorker(env), startWorker(env)])));
    processes.push(startCli(['backfill', '--from', FROM, '--to', TO, '--window', '6h', '--queue'], env));
    const [f] = await measure([sim]);
    return { workers: 3, ...f, rate_over_R: ratio(f.rate_ok_per_s, R) };
  } finally {
    await stopAll(processes);
    await sim.stop();
    await db.drop();
  }
}

async function tenants(): Promise<Record<string, unknown>> {
  const [big, small] = [await simulator(R), await simulator(SMALL_R)];
  const db = await benchDatabase();
  const processes: RunningProcess[] = [];
  try {
    // Two jobs of a tenant at once across the workers: both tenants are worked from the start.
    const env = { ...pipelineEnv(db, big, { ...SETTINGS, MLUVII_RPS: String(R), ETL_TENANT_JOBS: '2' }), SMALL_SECRET: small.clientSecret };
    const add = { args: ['add', 'small'], baseUrl: small.url, clientId: small.clientId, secretFrom: 'env:SMALL_SECRET', rps: String(SMALL_R), reportTz: 'UTC' };
    if ((await runCommand(tenantsCommand, testConfig(env), add)).code !== 0) throw new Error('tenants add failed');
    processes.push(...(await Promise.all([startWorker(env, 2), startWorker(env, 2)])));
    // Both at once, so the two tenants' windows are queued interleaved and both are worked from the start.
    processes.push(startCli(['backfill', '--from', FROM, '--to', TO, '--window', '6h', '--queue'], env));
    processes.push(startCli(['backfill', '--tenant', 'small', '--from', FROM, '--to', TO, '--window', '6h', '--queue'], env));
    const [b, s] = await measure([big, small]);
    return {
      workers: 2,
      limits: [R, SMALL_R],
      default: { ...b, rate_over_R: ratio(b.rate_ok_per_s, R) },
      small: { ...s, rate_over_R: ratio(s.rate_ok_per_s, SMALL_R) },
      share_429: ratio(b.answered_429 + s.answered_429, Math.max(1, b.requests + s.requests)),
      rate_over_sum_R: ratio(b.rate_ok_per_s + s.rate_ok_per_s, R + SMALL_R),
    };
  } finally {
    await stopAll(processes);
    await big.stop();
    await small.stop();
    await db.drop();
  }
}

const only = process.argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);
const result: Record<string, unknown> = { server_limit_R: R, answer_latency_ms: LATENCY_MS, measured_s: MEASURE_MS / 1000 };
if (!only || only === 'ours') result.ours = await ours();
if (!only || only === 'workers') result.workers = await workers();
if (!only || only === 'tenants') result.tenants = await tenants();
report('rate-budget', {
  ...result,
  goals: 'ours.rate_over_R >= 0.98; workers.rate_over_R >= 0.95 with workers.share_429 <= 0.01; tenants.rate_over_sum_R >= 0.9',
});

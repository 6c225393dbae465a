/**
 * `serve` under webhook load: a real `mluvii-etl serve` child process on loopback, called by
 * autocannon (in this process) at a fixed 500 calls per second, each a SessionEnded of its own
 * session. Measured: the rate of 200s, the p99 answer time, and how many 200'd events are not
 * in the job queue afterwards (`serve.lost`, counted in pg-boss's table). The baseline, in the
 * same run and the same way: a bare node:http server in a child process that answers 200 at
 * once (the floor of an HTTP answer on this machine).
 *   node --import tsx bench/serve.ts [--quick]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { JOBS_SCHEMA, QUEUES } from '../src/jobs/queues.js';
import { benchDatabase, QUICK, ratio, report } from './lib.js';

const RATE = 500;
const DURATION_S = QUICK ? 20 : 60;
const CONNECTIONS = 50;
const SECRET = 'bench-secret-0123456789abcdefghij';

interface Load {
  calls_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  sent: number;
  answered_200: number;
  other_answers: number;
  errors: number;
  timeouts: number;
}

/** Starts a child that prints `listening on <host>:<port>` and returns its port. */
function startChild(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 60 s: ${out}`)), 60_000);
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
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Calls `url` at RATE per second for `seconds`, each body a SessionEnded of a fresh session id; returns the figures and the ids answered 200. */
async function load(url: string, seconds: number, firstId: number): Promise<{ figures: Load; ok: number[] }> {
  let next = firstId;
  const ok: number[] = [];
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        setupRequest: (req, context) => {
          const id = next++;
          (context as { id?: number }).id = id;
          return { ...req, body: JSON.stringify({ eventType: 'SessionEnded', data: { id, tenantId: 1, channel: 'Chat', source: 'Web', started: '2026-11-18T15:02:10.1+01:00', ended: '2026-11-18T15:09:44.25+01:00' } }) };
        },
        onResponse: (status, _body, context) => {
          if (status === 200) ok.push((context as { id: number }).id);
        },
      },
    ],
  });
  const answered200 = result['2xx'];
  return {
    ok,
    figures: {
      calls_per_s: Number((answered200 / result.duration).toFixed(1)),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      max_ms: result.latency.max,
      sent: result.requests.sent,
      answered_200: answered200,
      other_answers: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
  };
}

const db = await benchDatabase();
try {
  const serve = await startChild(['bin/mluvii-etl.js', 'serve', '--host', '127.0.0.1', '--port', '0'], {
    MLUVII_ENV_FILE: 'none',
    DATABASE_URL: db.url,
    MLUVII_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'warn',
  });
  const hookUrl = `http://127.0.0.1:${serve.port}/webhooks/mluvii/default/${SECRET}`;
  let ours: { figures: Load; ok: number[] };
  try {
    await load(hookUrl, 3, 1); // warm-up: connections, JIT, the pool
    await db.knex.raw(`DELETE FROM ${JOBS_SCHEMA}.job WHERE name = ?`, [QUEUES.sessionHint.name]);
    ours = await load(hookUrl, DURATION_S, 1_000_000);
  } finally {
    await stopChild(serve.child);
  }
  const queued = await db.knex.raw(`SELECT count(DISTINCT singleton_key)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = ? AND singleton_key = ANY(?)`, [
    QUEUES.sessionHint.name,
    ours.ok.map((id) => `default:${id}`),
  ]);
  const lost = ours.ok.length - Number(queued.rows[0].n);

  const bare = await startChild(['-e', "const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>r.end('{}'))});s.listen(0,'127.0.0.1',()=>console.log('listening on 127.0.0.1:'+s.address().port))"], {});
  let floor: { figures: Load };
  try {
    await load(`http://127.0.0.1:${bare.port}/`, 3, 1);
    floor = await load(`http://127.0.0.1:${bare.port}/`, DURATION_S, 1);
  } finally {
    await stopChild(bare.child);
  }

  report('serve', {
    serve: { ...ours.figures, lost, target_calls_per_s: RATE },
    bare_http: floor.figures,
    p99_ratio_vs_bare: ratio(ours.figures.p99_ms, Math.max(floor.figures.p99_ms, 1)),
    // Other work on the machine shows in both p99s: the 1-minute load average at the end.
    load_average: Number(loadavg()[0].toFixed(2)),
    // autocannon's duration includes draining the calls in flight at the end, hence the 2 % margin on the rate.
    goal: `${RATE} calls/s ${ours.figures.calls_per_s >= RATE * 0.98 ? '✔' : '✘'}, p99 ≤ 50 ms ${ours.figures.p99_ms <= 50 ? '✔' : '✘'}, lost 0 ${lost === 0 ? '✔' : '✘'}`,
  });
} finally {
  await db.drop();
}

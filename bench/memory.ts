/**
 * Memory (issue 7, figure 4): peak RSS of `reprocess` at a small and a large warehouse. Reprocess
 * pages through raw with keyset batches, so the peak should not grow with the size.
 *   node --import tsx bench/memory.ts [--quick]      (quick: 10k vs 100k; full: 10k vs 1M)
 */
import { execFileSync } from 'node:child_process';
import { benchDatabase, QUICK, ratio, report, seconds } from './lib.js';
import { fillRawSessions } from './raw-fixture.js';

const SMALL = 10_000;
const LARGE = QUICK ? 100_000 : 1_000_000;

function reprocessPeak(url: string): { maxRssMiB: number; ms: number } {
  const t = Date.now();
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/reprocess-child.ts'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const last = out.trim().split('\n').pop() ?? '{}';
  return { ...(JSON.parse(last) as { maxRssMiB: number }), ms: Date.now() - t };
}

async function main() {
  const db = await benchDatabase();
  try {
    await fillRawSessions(db.knex, SMALL);
    const small = reprocessPeak(db.url);
    const t = Date.now();
    // More simulated days after the first ones: the same realistic mix, spread over time like real data.
    await fillRawSessions(db.knex, LARGE - SMALL, { start: new Date('2026-01-08T00:00:00Z') });
    const total = Number((await db.knex.raw('SELECT count(*) AS n FROM raw.sessions')).rows[0].n);
    console.log(`raw filled to ${total} sessions in ${seconds(Date.now() - t)} s`);
    const large = reprocessPeak(db.url);
    report('memory', {
      small_sessions: SMALL,
      small_peak_rss_mib: small.maxRssMiB,
      large_sessions: total,
      large_peak_rss_mib: large.maxRssMiB,
      large_reprocess_seconds: seconds(large.ms),
      large_sessions_per_s: Math.round(total / (large.ms / 1000)),
      'ratio large/small (goal <= 1.5, < 300 MiB)': ratio(large.maxRssMiB, small.maxRssMiB),
    });
  } finally {
    await db.drop();
  }
}

await main();

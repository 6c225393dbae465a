/**
 * `npm run bench [-- --quick]`: every benchmark, one after another, each in its own process so
 * their memory and timings do not mix. Each prints its figures with a baseline measured in the
 * same run and writes bench/results/<name>.json; this runner also writes bench/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, RESULTS_DIR, machine } from './lib.js';

const BENCHES = ['transform', 'extraction', 'load', 'memory', 'views', 'files', 'list-memory', 'workers', 'serve', 'rate-budget', 'intraday'];
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const started = Date.now();
const results: Record<string, unknown> = {};
let failed = 0;

for (const name of BENCHES.filter((b) => !only || only.includes(b))) {
  const t = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`), ...(QUICK ? ['--quick'] : [])], { stdio: 'inherit' });
  const file = join(RESULTS_DIR, `${name}.json`);
  if (r.status !== 0) {
    failed += 1;
    console.error(`bench ${name} failed (exit ${r.status})`);
  } else if (existsSync(file)) {
    results[name] = JSON.parse(readFileSync(file, 'utf8'));
  }
  console.log(`  (${name}: ${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify({ quick: QUICK, at: new Date().toISOString(), machine: machine(), results }, null, 2) + '\n');
console.log(`\nall benchmarks: ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} failed` : ''}; results in bench/results/`);
process.exitCode = failed ? 1 : 0;

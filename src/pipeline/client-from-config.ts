import { requireApiCredentials, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Knex } from '../db/knex.js';
import { RateBudgetStore } from '../load/rate-budget.js';
import { MluviiClient } from '../mluvii/client.js';

export function clientFromConfig(config: Config, logger: Logger): MluviiClient {
  const { clientId, clientSecret } = requireApiCredentials(config);
  return new MluviiClient({
    baseUrl: config.mluviiBaseUrl,
    tokenUrl: config.mluviiTokenUrl,
    clientId,
    clientSecret,
    rps: config.mluviiRps,
    rpsMax: config.mluviiRpsMax,
    concurrency: config.mluviiConcurrency,
    pageSize: config.mluviiPageSize,
    requestTimeoutMs: config.mluviiRequestTimeoutMs,
    retryAfterMaxMs: config.mluviiRetryAfterMaxMs,
    maxItemBytes: config.mluviiMaxItemBytes,
    maxPages: config.mluviiMaxPages,
    maxSessionsPerHour: config.mluviiMaxSessionsPerHour,
    logger,
  });
}

/**
 * Every client with a warehouse connection draws its requests from its tenant's budget
 * (etl.rate_budget): the workers and commands of one tenant, however many, together keep its
 * rate, and a 429 to one of them holds them all. `knex` is the tenant's pool; a claim takes one of
 * its connections for a moment, so pools that share it have one connection more.
 */
export function shareTenantBudget(client: MluviiClient, knex: Knex): void {
  client.shareRateBudget(new RateBudgetStore(knex));
}

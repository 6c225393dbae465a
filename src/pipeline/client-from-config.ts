import { requireApiCredentials, type Config } from '../config.js';
import type { Logger } from '../log.js';
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

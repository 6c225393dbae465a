import type { Knex } from 'knex';
import { upsertOperators } from '../load/dimensions.js';
import type { Logger } from '../log.js';
import { MluviiApiError } from '../mluvii/client.js';
import type { MluviiClient } from '../mluvii/client.js';

/**
 * Operator names from GET /api/v1/Users, once per run. Names are a nicety: when the endpoint
 * answers 403, 404, 5xx or garbage, the run warns once and goes on, and the names come from the
 * sessions themselves (operators[].firstName/lastName/userName, which fill the gaps of
 * core.operators). Only an API that is down altogether (token endpoint, no connection, a
 * Retry-After over MLUVII_RETRY_AFTER_MAX) stops the run here: every window would fail the same way.
 */
export async function refreshOperatorNames(knex: Knex, client: MluviiClient, logger: Logger): Promise<string> {
  let users;
  try {
    users = await client.listUsers();
  } catch (err) {
    if (err instanceof MluviiApiError && err.outage === 'certain') throw err;
    logger.warn(
      { error: err instanceof Error ? err.message : String(err) },
      'could not read operator names from /api/v1/Users; names come from the session payloads instead',
    );
    return `session payloads (/Users: ${err instanceof MluviiApiError ? (err.status ? `HTTP ${err.status}` : err.kind) : 'unreadable'})`;
  }
  const changed = await upsertOperators(knex, users);
  logger.debug({ changed }, 'operator names refreshed');
  return `/Users (${users.length} users)`;
}

import type { Knex } from 'knex';
import { upsertOperators } from '../load/dimensions.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import { MluviiApiError } from '../mluvii/client.js';

/**
 * Operator names from GET /api/v1/Users, once per run. Names are a nicety: if the API user may
 * not list users, sessions still load (names then come from the sessions themselves).
 */
export async function refreshOperatorNames(knex: Knex, client: MluviiClient, logger: Logger): Promise<string> {
  try {
    const users = await client.listUsers();
    const changed = await upsertOperators(knex, users);
    logger.debug({ changed }, 'operator names refreshed');
    return `/Users (${users.length} users)`;
  } catch (err) {
    if (err instanceof MluviiApiError && err.kind === 'auth') throw err;
    logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not read operator names from /api/v1/Users; continuing');
    return `session payloads (/Users: ${err instanceof MluviiApiError ? `HTTP ${err.status ?? err.kind}` : 'unreadable'})`;
  }
}

import type { Knex } from 'knex';
import type { RunCounts } from '../load/etl-runs.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { CampaignModeCache } from './campaign-mode-cache.js';

/** What every loading step of a run needs: the warehouse, the API, the run's campaign modes, its row and counters. */
export interface LoadDeps {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModeCache;
  runId: number;
  counts: RunCounts;
  logger: Logger;
}

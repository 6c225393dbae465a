import type { Knex } from 'knex';
import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { CampaignModeCache } from './campaign-mode-cache.js';
import { fromStoredRaw, transformAndLoad, type StoredRawRow } from './transform-and-load.js';
import type { RunCounts } from '../load/etl-runs.js';

const BATCH = 500;

/**
 * M-RING after a campaign could not be read: its sessions were loaded with ring_s NULL and the
 * flag `unknown_campaign_mode`. Each run asks the API for those campaigns again; the sessions of
 * every one that is readable now are rebuilt from their stored raw payloads (no session calls),
 * so they get their ring_s. Returns how many sessions were rebuilt.
 */
export async function reresolveUnknownCampaigns(deps: {
  knex: Knex;
  client: MluviiClient;
  campaigns: CampaignModeCache;
  runId: number;
  counts: RunCounts;
  logger: Logger;
}): Promise<number> {
  const { knex, campaigns } = deps;
  const ids = (
    await knex.raw(`SELECT DISTINCT campaign_id FROM core.sessions WHERE campaign_id IS NOT NULL AND 'unknown_campaign_mode' = ANY(quality_flags)`)
  ).rows.map((r: { campaign_id: string | number }) => Number(r.campaign_id)) as number[];
  if (ids.length === 0) return 0;
  await campaigns.ensure(ids, deps.client, knex);
  const readable = ids.filter((id) => {
    const mode = campaigns.lookup(id);
    return typeof mode === 'string' && mode.toLowerCase() !== 'unknown';
  });
  if (readable.length === 0) return 0;

  let rebuilt = 0;
  let after = 0;
  for (;;) {
    const rows = (
      await knex.raw(
        `SELECT r.session_id, r.payload, r.routing_history, r.completion_given_up_at, r.text_sanitized
           FROM core.sessions s JOIN raw.sessions r USING (session_id)
          WHERE s.campaign_id = ANY(?::bigint[]) AND 'unknown_campaign_mode' = ANY(s.quality_flags) AND s.session_id > ?
          ORDER BY s.session_id LIMIT ${BATCH}`,
        [readable, after],
      )
    ).rows as Array<StoredRawRow & { session_id: string }>;
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1].session_id);
    await knex.transaction(async (trx) => {
      const r = await transformAndLoad(
        trx,
        rows.map(fromStoredRaw),
        { campaignMode: campaigns.lookup, writeRaw: false, rejectContext: { runId: deps.runId } },
      );
      if (r.changedRange) await refreshReportingSummaries(trx, r.changedRange);
      deps.counts.sessionsChanged += r.sessionsChanged;
      rebuilt += r.sessions;
    });
  }
  deps.logger.info({ campaigns: readable, sessions: rebuilt }, 'campaigns readable again: their sessions got ring_s from the stored raw payloads');
  return rebuilt;
}

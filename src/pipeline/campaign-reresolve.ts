import { refreshReportingSummaries } from '../load/reporting-summaries.js';
import { campaignsWithUnknownMode, unknownModeSessions } from '../load/stored-sessions.js';
import { inTransaction } from '../load/transaction.js';
import type { LoadDeps } from './load-deps.js';
import { fromStoredRaw, transformAndLoad } from './transform-and-load.js';

const BATCH = 500;

/**
 * M-RING after a campaign could not be read: its sessions were loaded with ring_s NULL and the
 * flag `unknown_campaign_mode`. Each run asks the API for those campaigns again; the sessions of
 * every one that is readable now are rebuilt from their stored raw payloads (no session calls),
 * so they get their ring_s.
 */
export async function reresolveUnknownCampaigns(deps: LoadDeps): Promise<void> {
  const { knex, campaigns } = deps;
  const ids = await campaignsWithUnknownMode(knex);
  if (ids.length === 0) return;
  await campaigns.ensure(ids, deps.client, knex);
  const readable = ids.filter((id) => {
    const mode = campaigns.lookup(id);
    return typeof mode === 'string' && mode.toLowerCase() !== 'unknown';
  });
  if (readable.length === 0) return;

  let rebuilt = 0;
  let after = 0;
  for (;;) {
    const rows = await unknownModeSessions(knex, readable, after, BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].session_id;
    await inTransaction(knex, async (trx) => {
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
}

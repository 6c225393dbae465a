import { campaignsWithUnknownMode, unknownModeSessions } from '../load/stored-sessions.js';
import { inLoadUnit } from './load-unit.js';
import { fromStoredRaw } from './transform-and-load.js';
import type { UnitContext, UnitOutcome } from './unit-types.js';

const BATCH = 500;

/**
 * M-RING after a campaign could not be read: its sessions were loaded with ring_s NULL and the
 * flag `unknown_campaign_mode`. Each run asks the API for those campaigns again; the sessions of
 * every one that is readable now are rebuilt from their stored raw payloads (no session calls),
 * so they get their ring_s. A unit of its own (a job on the workers).
 */
export async function reresolveUnknownCampaigns(ctx: UnitContext): Promise<UnitOutcome> {
  const outcome: UnitOutcome = { kind: 'campaigns', counts: {}, failures: [] };
  const { knex, campaigns } = ctx;
  const ids = await campaignsWithUnknownMode(knex);
  if (ids.length === 0) return outcome;
  await campaigns.ensure(ids, ctx.client(), knex);
  const readable = ids.filter((id) => {
    const mode = campaigns.lookup(id);
    return typeof mode === 'string' && mode.toLowerCase() !== 'unknown';
  });
  if (readable.length === 0) return outcome;

  let rebuilt = 0;
  let changed = 0;
  let after = 0;
  for (;;) {
    const rows = await unknownModeSessions(knex, readable, after, BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].session_id;
    const { totals } = await inLoadUnit({ knex }, {}, (unit) =>
      unit.load(rows.map(fromStoredRaw), { campaignMode: campaigns.lookup, writeRaw: false, rejectContext: { runId: ctx.runId } }),
    );
    changed += totals.sessionsChanged;
    rebuilt += totals.sessions;
  }
  outcome.counts = { sessionsChanged: changed };
  ctx.logger.info({ campaigns: readable, sessions: rebuilt }, 'campaigns readable again: their sessions got ring_s from the stored raw payloads');
  return outcome;
}

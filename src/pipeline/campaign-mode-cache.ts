import type { Knex } from 'knex';
import { storedCampaignModes, upsertCampaign } from '../load/dimensions.js';
import type { Logger } from '../log.js';
import { MluviiApiError, type MluviiClient } from '../mluvii/client.js';

/**
 * Campaign modes for M-RING, fetched once per run and cached: a mode string, or 'unknown' when
 * GET /Campaigns/{id} could not tell. A campaign that cannot be read (403, 404, 5xx after the
 * retries, a timeout, an answer that is no campaign) never fails a window: its sessions load with
 * ring_s NULL and the flag `unknown_campaign_mode`, and the next run asks again
 * (campaign-reresolve.ts then fixes the sessions already loaded).
 */
export class CampaignModeCache {
  private readonly warned = new Set<number>();
  private warnedForbidden = false;

  private constructor(
    private readonly modes: Map<number, string>,
    private readonly logger?: Logger,
  ) {}

  static async fromDatabase(knex: Knex): Promise<CampaignModeCache> {
    return new CampaignModeCache(await storedCampaignModes(knex));
  }

  static fresh(logger?: Logger): CampaignModeCache {
    return new CampaignModeCache(new Map(), logger);
  }

  /** Fetches the campaigns not seen yet in this run and stores what the API said. */
  async ensure(ids: Iterable<number>, client: MluviiClient, db: Knex | Knex.Transaction): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.modes.has(id) && Number.isSafeInteger(id) && id >= 1);
    if (missing.length === 0) return;
    const fetched = await Promise.all(
      missing.map(async (id) => {
        try {
          const campaign = await client.getCampaign(id);
          return { id, campaign, status: campaign ? 200 : 404 };
        } catch (err) {
          // No answer (timeout, network) is stored as status 0.
          const status = err instanceof MluviiApiError ? (err.status ?? 0) : 0;
          if (status === 403) {
            // A permission the API user lacks: said once per run, not once per campaign.
            if (!this.warnedForbidden) this.logger?.warn({ campaignId: id }, 'the API user may not read campaigns (HTTP 403): their sessions get ring_s NULL (unknown_campaign_mode)');
            this.warnedForbidden = true;
          } else if (!this.warned.has(id)) {
            this.warned.add(id);
            this.logger?.warn({ campaignId: id, error: err instanceof Error ? err.message : String(err) }, 'campaign cannot be read: its sessions get ring_s NULL (unknown_campaign_mode) until a later run can read it');
          }
          return { id, campaign: undefined, status };
        }
      }),
    );
    // A campaign read before keeps its mode when it cannot be read now (modes do not change).
    const failedIds = fetched.filter((f) => f.status !== 200 && f.status !== 404).map((f) => f.id);
    const known = failedIds.length ? await storedCampaignModes(db, failedIds) : new Map<number, string>();
    // One connection (a transaction) runs one query at a time: write one after another.
    for (const { id, campaign, status } of fetched) {
      if (status !== 200) {
        this.modes.set(id, known.get(id) ?? 'unknown'); // a 404 (deleted) is never in `known`
        await upsertCampaign(db, id, undefined, status);
        continue;
      }
      // An answer without a mode ("not a campaign") says no more than a 404.
      this.modes.set(id, typeof campaign?.mode === 'string' && campaign.mode ? campaign.mode : 'unknown');
      await upsertCampaign(db, id, campaign);
    }
  }

  readonly lookup = (campaignId: number): string | undefined => this.modes.get(campaignId);
}

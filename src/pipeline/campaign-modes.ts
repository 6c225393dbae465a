import type { Knex } from 'knex';
import type { MluviiClient } from '../mluvii/client.js';
import { storedCampaignModes, upsertCampaign } from '../load/dimensions.js';

/**
 * Campaign modes for M-RING, fetched once per run and cached: a mode string, or 'unknown' when
 * GET /Campaigns/{id} could not tell (404).
 */
export class CampaignModes {
  private constructor(private readonly modes: Map<number, string>) {}

  static async fromDatabase(knex: Knex): Promise<CampaignModes> {
    return new CampaignModes(await storedCampaignModes(knex));
  }

  static fresh(): CampaignModes {
    return new CampaignModes(new Map());
  }

  /** Fetches the campaigns not seen yet in this run and stores what the API said. */
  async ensure(ids: Iterable<number>, client: MluviiClient, db: Knex | Knex.Transaction): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.modes.has(id));
    const fetched = await Promise.all(missing.map(async (id) => [id, await client.getCampaign(id)] as const));
    // One connection (a transaction) runs one query at a time: write one after another.
    for (const [id, campaign] of fetched) {
      this.modes.set(id, campaign?.mode ? String(campaign.mode) : 'unknown');
      await upsertCampaign(db, id, campaign);
    }
  }

  readonly lookup = (campaignId: number): string | undefined => this.modes.get(campaignId);
}

/**
 * M-RING's campaign rule: ring time does not exist for preview campaigns (the FAQ: "neplatí u
 * náhledové kampaně"), and cannot be known when the campaign could not be read.
 */
import type { CampaignModeLookup } from '../mluvii/types.js';
import type { QualityFlags } from './quality-flags.js';

export type RingPolicy = 'formula' | 'none' | 'unknown';

export interface CampaignContext {
  /** Stored in core.sessions.campaign_mode; null without a campaign or when it is unknown. */
  mode: string | null;
  ring: RingPolicy;
}

const NO_CAMPAIGN: CampaignContext = Object.freeze({ mode: null, ring: 'formula' });
const UNKNOWN_CAMPAIGN: CampaignContext = Object.freeze({ mode: null, ring: 'unknown' });

export function campaignContext(campaignId: number | null, lookup: CampaignModeLookup, flags: QualityFlags): CampaignContext {
  if (campaignId === null) return NO_CAMPAIGN; // no campaign: ring per formula
  const mode = lookup(campaignId);
  // The lookup answers 'unknown' when the campaign could not be read; undefined for a session that
  // does have a campaignId is the same situation. The API's own zero value `UNKNOWN` says no more.
  if (typeof mode !== 'string' || mode.toLowerCase() === 'unknown') {
    flags.add('unknown_campaign_mode');
    return UNKNOWN_CAMPAIGN;
  }
  return { mode, ring: mode.toLowerCase() === 'preview' ? 'none' : 'formula' };
}

/**
 * Payload types of the mluvii Public API that the client, the pipeline and the transform read as
 * typed values. Every field is optional and every enum an open string: the server sends nulls
 * where the model says non-null and keeps adding enum values. (Sessions and routing histories are
 * read as untrusted JSON; their shapes, as the simulator writes them, are in simulator/payloads.ts.)
 */

/** Known values are listed for readers; any other string is valid too. */
export type OpenEnum<Known extends string> = Known | (string & {});

export type CampaignMode = OpenEnum<'Preview' | 'Progressive' | 'Predictive'>;

export interface CampaignModel {
  id?: number | null;
  name?: string | null;
  mode?: CampaignMode | null;
  [key: string]: unknown;
}

export interface UserModel {
  id?: number | null;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
  email?: string | null;
  note?: string | null;
  enabled?: boolean | null;
  departments?: number[] | null;
  groups?: number[] | null;
  globalRoles?: string[] | null;
  [key: string]: unknown;
}

/**
 * What the transform knows about a session's campaign (M-RING):
 * a mode string when the campaign was read, 'unknown' when it could not be read (404, error),
 * undefined when the session has no campaign.
 */
export type CampaignModeLookup = (campaignId: number) => string | 'unknown' | undefined;

/**
 * A session's story as drawn, before it is shown at any instant. Drafts hold plain numbers and
 * instants in integer µs since the epoch (so the printed 0–7 fractional digits are exact); the
 * server caches them per hour and renders pages of them as simulated time passes.
 */
import type { SimGroup } from '../catalog.js';
import type { GuestInfo } from '../payloads.js';

/** One second in the drafts' unit. */
export const US = 1_000_000;

export interface RoutingDraft {
  rr: number;
  t: number;
  type: string;
  group: SimGroup | null;
  op: number | null;
  forwardedBy: number | null;
  invitedBy: number | null;
  phone: string | null;
}

export interface StintDraft {
  userId: number;
  joined: number;
  /** null forever for a concurrent operator who never got a SessionOperatorLeft. */
  left: number | null;
  /** Set by the end of the story; null only while it is after `now`. */
  concluded: number | null;
  note: string | null;
}

export interface ActivityDraft {
  t: number;
  type: string;
  client: string | null;
  userId: number | null;
  text: string | null;
  extra: Record<string, unknown> | null;
}

export interface RecordingDraft {
  started: number;
  duration: number;
  type: string;
  userId: number | null;
}

/** One planned session. */
export interface SessionDraft {
  id: number;
  created: number;
  /** From this instant on the status is CLOSED/BLACKLISTED. */
  closedAt: number;
  /** From this instant on nothing about the session changes any more (recordings, feedback, tags). */
  settledAt: number;
  style: 0 | 1 | 2; // local offsets, Z, or a mix
  omitNulls: boolean;
  channel: string;
  source: string;
  departmentId: number;
  widget: string | null;
  url: string | null;
  isDirectChat: boolean;
  autoAccepted: boolean;
  blacklisted: boolean;
  campaignId: number | null;
  guest: GuestInfo;
  avSupport: string;
  phoneCallbackNumber: string | null;
  directCallNumber: string | null;
  guestJoined: number | null;
  started: number | null;
  ended: number | null;
  /** When the guest left the queue (accepted or abandoned); waited = queueLeft − created. */
  queueLeft: number | null;
  /** Sessions with no queue at all say `PT0S` instead of null once ended (both forms are seen). */
  waitedZero: boolean;
  phoneCallbackDialed: number | null;
  dialResult: string | null;
  dialResultAt: number | null;
  guestLeft: string;
  routingStart: number | null;
  firstAssign: number | null;
  /** Outbound-like: the operator is there before the guest (status BCW in between). */
  guestAfterOperator: boolean;
  routing: RoutingDraft[];
  routingReversed: boolean;
  stints: StintDraft[];
  chatbot: { joined: number; left: number } | null;
  activities: ActivityDraft[];
  recordings: RecordingDraft[];
  recordingsProcessedAt: number | null;
  recordingsFailed: boolean;
  tags: Array<{ t: number; name: string; userId: number | null }>;
  feedback: { t: number; stars: number; scale: string; text: string | null } | null;
}

/**
 * The webhook events a session's story makes, at the instants they happen: SessionCreated,
 * SessionEnded, one SessionOperatorConcluded per operator who concluded, and
 * SessionRecordingPostProcessingCompleted. Their data has the shapes of mluvii's webhook payload
 * models (camelCase; timestamps in Prague local time with their offset, as the vendor's examples
 * write them). Pure: drafts in, events out.
 */
import { COMPANY_ID } from '../catalog.js';
import type { SessionDraft } from '../contact-center/session-draft.js';
import { formatTimestamp } from '../iso-format.js';

/** The event types the simulator sends (the ones a session's story makes). */
export const SIMULATED_EVENT_TYPES = ['SessionCreated', 'SessionEnded', 'SessionOperatorConcluded', 'SessionRecordingPostProcessingCompleted'] as const;
export type SimulatedEventType = (typeof SIMULATED_EVENT_TYPES)[number];

/** The longest a session's story lasts from `created` to its last event (a chat left open over a day, then a forgotten wrap-up). */
export const LONGEST_STORY_MS = 48 * 3_600_000;

export interface StoryEvent {
  /** When it happens, µs since the epoch. */
  t: number;
  type: SimulatedEventType;
  draft: SessionDraft;
  /** Which of the session's events of this type (the operator's stint for SessionOperatorConcluded). */
  index: number;
}

/** The envelope mluvii POSTs: `{"eventType": ..., "data": {...}}`. */
export interface WebhookEnvelope {
  eventType: SimulatedEventType;
  data: Record<string, unknown>;
}

/** Every event of these drafts, sorted by time (then session id, then type). */
export function storyEvents(drafts: readonly SessionDraft[]): StoryEvent[] {
  const out: StoryEvent[] = [];
  for (const d of drafts) {
    out.push({ t: d.created, type: 'SessionCreated', draft: d, index: 0 });
    if (d.ended !== null) out.push({ t: d.ended, type: 'SessionEnded', draft: d, index: 0 });
    d.stints.forEach((s, i) => {
      if (s.concluded !== null) out.push({ t: s.concluded, type: 'SessionOperatorConcluded', draft: d, index: i });
    });
    if (d.recordingsProcessedAt !== null) out.push({ t: d.recordingsProcessedAt, type: 'SessionRecordingPostProcessingCompleted', draft: d, index: 0 });
  }
  return out.sort((a, b) => a.t - b.t || a.draft.id - b.draft.id || SIMULATED_EVENT_TYPES.indexOf(a.type) - SIMULATED_EVENT_TYPES.indexOf(b.type) || a.index - b.index);
}

const local = (us: number) => formatTimestamp(us, 'local');

/** The event as mluvii sends it. */
export function envelopeOf(e: StoryEvent): WebhookEnvelope {
  const d = e.draft;
  const base = { id: d.id, tenantId: COMPANY_ID };
  switch (e.type) {
    case 'SessionCreated':
      return { eventType: e.type, data: { ...base, channel: d.channel, source: d.source } };
    case 'SessionEnded':
      return { eventType: e.type, data: { ...base, channel: d.channel, source: d.source, started: d.started === null ? null : local(d.started), ended: local(e.t) } };
    case 'SessionOperatorConcluded':
      return { eventType: e.type, data: { ...base, userId: d.stints[e.index].userId, channel: d.channel, source: d.source, time: local(e.t) } };
    case 'SessionRecordingPostProcessingCompleted':
      return { eventType: e.type, data: base };
  }
}

/** The first event at or after `t` (µs) in a sorted list. */
export function firstAtOrAfter(events: readonly StoryEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

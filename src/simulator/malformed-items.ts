/**
 * `malformedRate`: list items no client can read as a session (no id, an unparseable `created`,
 * not an object at all), listed next to good sessions.
 */
import { IDS_PER_HOUR, MAX_SESSIONS_PER_HOUR } from './contact-center/hour-bucket.js';
import { renderSession } from './contact-center/render-session.js';
import type { SessionDraft } from './contact-center/session-draft.js';
import { mixSeed, Rng } from './random.js';

export type MalformedKind = 'no-id' | 'bad-created' | 'not-object';

export interface MalformedItem {
  /** Index (in its hour bucket) of the good session it is listed right after. */
  anchor: number;
  kind: MalformedKind;
  variant: number;
}

/**
 * The malformed items of one hour bucket for a given rate. Deterministic: the same seed, hour and
 * rate always give the same items, and a higher rate only adds items (each session has a fixed draw).
 */
export function malformedItemsOfBucket(seed: number, hour: number, sessionCount: number, rate: number): MalformedItem[] {
  if (!(rate > 0)) return [];
  const r = new Rng(mixSeed(seed, hour, 0xbad));
  const out: MalformedItem[] = [];
  for (let i = 0; i < sessionCount; i++) {
    const u = r.next();
    const k = r.next();
    const variant = r.int(0, 3);
    if (u < rate) out.push({ anchor: i, kind: k < 0.34 ? 'no-id' : k < 0.67 ? 'bad-created' : 'not-object', variant });
  }
  return out;
}

const BAD_CREATED = ['not-a-date', '2024-13-45T25:61:00+01:00', '', 'yesterday'];
const NOT_OBJECTS: unknown[] = ['<html><body>Internal error</body></html>', 42, null, [1, 2, 3]];

/**
 * The list item for a malformed entry. `malformedId` is a numeric id no good session has, used by
 * the "unparseable created" kind (an item with a real id but a broken timestamp).
 */
export function renderMalformed(item: MalformedItem, anchor: SessionDraft, nowUs: number, malformedId: number): unknown {
  if (item.kind === 'not-object') return NOT_OBJECTS[item.variant % NOT_OBJECTS.length];
  const { session } = renderSession(anchor, nowUs);
  if (item.kind === 'no-id') {
    const copy: Record<string, unknown> = { ...session };
    delete copy.id;
    return copy;
  }
  const created = BAD_CREATED[item.variant % BAD_CREATED.length];
  return { ...session, id: malformedId, enteredQueue: created, created };
}

/** The id of a "bad created" item listed after the session at `index` of its bucket: ids above MAX_SESSIONS_PER_HOUR in the hour's range are never used by good sessions. */
export function malformedIdOf(anchor: SessionDraft, index: number): number {
  const hourBase = anchor.id - index - 1;
  return hourBase + MAX_SESSIONS_PER_HOUR + 1 + (index % (IDS_PER_HOUR - MAX_SESSIONS_PER_HOUR - 1));
}

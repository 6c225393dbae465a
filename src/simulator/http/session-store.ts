/**
 * The server's sessions: drafts per hour bucket, planned on first use and kept in a bounded LRU
 * cache (a long backfill pages through more hours than fit in memory), found by id or listed by range.
 */
import { hourOf, hourOfSessionId, HOUR_MS, indexOfSessionId, planBucket } from '../contact-center/hour-bucket.js';
import type { SessionDraft } from '../contact-center/session-draft.js';
import { malformedItemsOfBucket, type MalformedItem } from '../malformed-items.js';
import { picks } from '../misbehaviour.js';

const BUCKET_CACHE_SIZE = 1500;

/** One item of a listing: a session, its duplicate, or a malformed item listed right after it. */
export interface ListEntry {
  draft: SessionDraft;
  /** Where the draft sits in its hour bucket. */
  index: number;
  malformed?: MalformedItem;
}

export class SessionStore {
  private readonly buckets = new Map<number, SessionDraft[]>();

  constructor(
    private readonly seed: number,
    private readonly sessionsPerDay: number,
  ) {}

  bucket(hour: number): SessionDraft[] {
    let b = this.buckets.get(hour);
    if (b) {
      this.buckets.delete(hour); // re-insert: Map order is the LRU order
      this.buckets.set(hour, b);
      return b;
    }
    b = planBucket(this.seed, hour, this.sessionsPerDay);
    this.buckets.set(hour, b);
    if (this.buckets.size > BUCKET_CACHE_SIZE) this.buckets.delete(this.buckets.keys().next().value as number);
    return b;
  }

  /** The session with this id if it exists at `now` (µs). */
  find(id: number, now: number): SessionDraft | undefined {
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    const d = this.bucket(hourOfSessionId(id))[indexOfSessionId(id)];
    return d && d.id === id && d.created <= now ? d : undefined;
  }

  /**
   * Everything the list endpoint shows for [from, to) at `now`, in its order (by created, a
   * duplicate right after its session, malformed items after their anchor). `duplicateRate`
   * undefined: no duplicates.
   */
  listing(fromMs: number, toMs: number, now: number, malformedRate: number, duplicateRate: number | undefined): ListEntry[] {
    const out: ListEntry[] = [];
    const fromUs = fromMs * 1000;
    const toUs = toMs * 1000;
    for (let h = hourOf(fromMs); h * HOUR_MS < toMs; h++) {
      const drafts = this.bucket(h);
      const bad = malformedItemsOfBucket(this.seed, h, drafts.length, malformedRate);
      let b = 0;
      for (let i = 0; i < drafts.length; i++) {
        const d = drafts[i];
        const inRange = d.created >= fromUs && d.created < toUs && d.created <= now;
        if (inRange) out.push({ draft: d, index: i });
        if (inRange && picks(this.seed, d.id, 'duplicate', duplicateRate)) out.push({ draft: d, index: i });
        for (; b < bad.length && bad[b].anchor === i; b++) if (inRange) out.push({ draft: d, index: i, malformed: bad[b] });
      }
    }
    return out;
  }
}

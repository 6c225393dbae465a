/**
 * What the simulator can do wrong on purpose, so the client's retries, rate limiting, paging and
 * the pipeline's rejects are tested against something that actually misbehaves.
 */
import { buildSession, type SessionDraft } from './generator.js';
import { mixSeed, Rng } from './random.js';

export interface Misbehaviour {
  /** Server-side limit: API requests admitted per rolling second; above it, 429 with Retry-After. */
  rateLimitRps?: number;
  /** Share of API and token requests answered 500/502/503 or with a connection reset. */
  errorRate?: number;
  /** Share of requests delayed by `slowMs` before they are answered. */
  slowRate?: number;
  slowMs?: number;
  /** The list endpoint never returns more than this many items, whatever `limit` asks for. */
  pageSizeCap?: number;
  /** Per good session, the chance that a malformed item (no id, unparseable created, not an object) is listed next to it. */
  malformedRate?: number;
  /** List calls whose Created range overlaps this one always answer 503: a window that cannot be loaded. */
  brokenRange?: { from: Date; to: Date };
}

/** `npx mluvii-etl simulator --misbehave`: every switch on, tuned so the default client (5 rps) meets all of them. */
export const MISBEHAVE_PRESET: Required<Omit<Misbehaviour, 'brokenRange'>> = {
  rateLimitRps: 4,
  errorRate: 0.05,
  slowRate: 0.05,
  slowMs: 1500,
  pageSizeCap: 50,
  malformedRate: 0.01,
};

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
  const { session } = buildSession(anchor, nowUs);
  if (item.kind === 'no-id') {
    const copy: Record<string, unknown> = { ...session };
    delete copy.id;
    return copy;
  }
  const created = BAD_CREATED[item.variant % BAD_CREATED.length];
  return { ...session, id: malformedId, enteredQueue: created, created };
}

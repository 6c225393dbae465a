/**
 * What the simulator can do wrong on purpose, so the client's retries, rate limiting, paging and
 * the pipeline's rejects are tested against something that actually misbehaves. The switches take
 * effect in http/faults.ts (before any handler), spoil-session.ts and malformed-items.ts (the
 * payloads), and the endpoints in http/ (single endpoints that cannot be read).
 */
import { mixSeed, Rng } from './random.js';

export interface Misbehaviour {
  /** Server-side limit: API requests admitted per rolling second; above it, 429 with Retry-After. */
  rateLimitRps?: number;
  /** Share of API and token requests answered 500/502/503 or with a connection reset. */
  errorRate?: number;
  /** Share of requests delayed by `slowMs` before they are answered. */
  slowRate?: number;
  slowMs?: number;
  /** A request whose query string is longer than this is answered 404 (IIS's 404.15, its default limit being 2,048). */
  maxQueryChars?: number;
  /** The list endpoint never returns more than this many items, whatever `limit` asks for. */
  pageSizeCap?: number;
  /** Per good session, the chance that a malformed item (no id, unparseable created, not an object) is listed next to it. */
  malformedRate?: number;
  /** List calls whose Created range overlaps this one always answer 503: a window that cannot be loaded. */
  brokenRange?: { from: Date; to: Date };

  // --- single endpoints that cannot be read (a real tenant's API user may lack a permission) ---
  /** How `GET /api/v1/Users` answers: 403/404/500/503, or `garbage` (200 with truncated JSON). */
  usersAnswer?: UsersFailure;
  /** `GET /api/v1/Users` lists one operator (NUL_NAME_USER_ID) whose first name holds a U+0000. */
  usersNulName?: boolean;
  /** Per campaign id, how `GET /api/v1/Campaigns/{id}` answers instead of the campaign. */
  campaignAnswers?: Record<number, CampaignFailure>;
  /** Share of sessions (a fixed draw per session id) whose routing history always answers 404. */
  routingNotFoundRate?: number;
  /** Share of sessions (a fixed draw per session id) whose routing history always answers 503. */
  routingServerErrorRate?: number;

  // --- payloads that are legal JSON but surprising ---
  /**
   * Share of sessions (fixed draw per id) whose strings Postgres cannot store: a U+0000 in the
   * guest's first chat message / widget and a lone surrogate in a routing-history group name.
   * The list item, the detail and the routing history carry them alike.
   */
  badTextRate?: number;
  /** Share of ended sessions (fixed draw per id) listed without `operators` and `activities`; the detail endpoint has them. */
  thinListRate?: number;
  /** Share of sessions (fixed draw per id) listed with an implausible value (see IMPLAUSIBLE_KINDS); the detail shows the same. */
  implausibleRate?: number;
  /** Share of sessions (fixed draw per id) that the list shows twice in one listing (right after themselves). */
  duplicateRate?: number;
  /** Share of sessions (fixed draw per id) whose list item and detail are padded to `oversizedBytes`. */
  oversizedRate?: number;
  /** Size (bytes of JSON) of an oversized item; default 2 MB. */
  oversizedBytes?: number;
  /** Share of sessions (fixed draw per id) whose routing history (not the list item) is padded to `oversizedBytes`. */
  oversizedRoutingRate?: number;
  /**
   * The list endpoint never ends: past the last item it keeps answering full pages, cycling through
   * the window with fresh ids (`true`), or with items that have no id at all (`'without-ids'`).
   */
  endlessPages?: boolean | 'without-ids';
  /**
   * Share of sessions (fixed draw per id) whose list item and detail carry, in `guest.callParams`,
   * arrays nested `depth` levels deep with a U+0000 string at the bottom.
   */
  deepNesting?: { rate: number; depth: number };
  /**
   * Share of sessions (fixed draw per id) whose `created` (and `enteredQueue`) the list and the
   * detail show as one of `values` (a fixed draw per id): a 1970 session in a 2026 window, year 9999...
   */
  strayCreated?: { rate: number; values: string[] };
  /** Every list call orders the window differently (a fresh shuffle per call): two reads of one window disagree on the order. */
  unstableOrder?: boolean;

  // --- data protection (docs/privacy.md) ---
  /**
   * Share of sessions (fixed draw per id) that carry `pii-<id>-<field>` in every field holding
   * personal data (personal-markers.ts): what tests search a dump of the warehouse for.
   */
  personalMarkers?: number;
  /**
   * How `GET /api/v1/Sessions` answers the `Anonymized` filter: 400 (a validation dictionary, as an
   * API that does not know the filter), 403 (the API user may not), or `ignored` (the filter is
   * dropped: the sessions of the day before now, not anonymized, are listed).
   */
  anonymizedFilter?: 400 | 403 | 'ignored';
  /**
   * How `GET /api/v1/Sessions` answers the `SessionId` filter (sessions asked for by id, a batch
   * in one request): 400 (a validation dictionary, as an API that does not know the filter), 403,
   * or `ignored` (the filter is dropped: the sessions of the day before now are listed).
   */
  sessionIdFilter?: 400 | 403 | 'ignored';
  /** An anonymized session also loses its operators' leave and conclusion times and its length. */
  anonymizationDropsTimes?: boolean;

  // --- an API that is down or lies about what happened ---
  /**
   * Every API call (not the token endpoint) is answered 429 with this `Retry-After`
   * (seconds or an HTTP date); `times` limits it to the next that many calls (default: all).
   */
  throttle?: { retryAfter: string; times?: number };
  /** The token endpoint accepts the connection and never answers. */
  tokenHangs?: boolean;
  /** List calls answer 400 with a body that echoes the bearer token (the `Authorization` header, and the bare token in its message). */
  echoTokenOn400?: boolean;
  /** Every API call answers 200 with an HTML page (a proxy's maintenance page), not JSON. */
  htmlPage?: boolean;

  // --- webhooks as mluvii delivers them (webhooks/delivery.ts): hints, not a record ---
  /** Share of webhook events (a fixed draw per event) never sent: mluvii drops an event after its retries, or loses it. */
  webhookDropRate?: number;
  /** Share of webhook events (a fixed draw per event) sent twice, the copy up to a minute later. */
  webhookDuplicateRate?: number;
  /** Share of webhook events (a fixed draw per event) sent late, up to two minutes after events that happened after them. */
  webhookReorderRate?: number;
}

export type UsersFailure = 403 | 404 | 500 | 503 | 'garbage';
/** `timeout`: the request is never answered; `not-a-campaign`: 200 with JSON that is no campaign model. */
export type CampaignFailure = 403 | 404 | 500 | 503 | 'timeout' | 'not-a-campaign';

/** The user `usersNulName` spoils (Jana Dvořáková, an operator of the Podpora group). */
export const NUL_NAME_USER_ID = 7;

/** What `implausibleRate` does to a session: the kind is a fixed draw per session id. */
export const IMPLAUSIBLE_KINDS = ['department-fraction', 'department-negative', 'department-huge', 'operator-id-string', 'ended-before-created'] as const;
export type ImplausibleKind = (typeof IMPLAUSIBLE_KINDS)[number];

const SALTS = { routing404: 0x404, routing503: 0x503, badText: 0x7e47, thin: 0x7417, implausible: 0x1b1, duplicate: 0xd0b, oversized: 0xb16, deep: 0xdee9, stray: 0x57a7, oversizedRouting: 0xb17, markers: 0x9111 } as const;
export type PerSessionSwitch = keyof typeof SALTS;

/** Whether a per-session switch with this rate picks session `id` (deterministic: a fixed draw per seed and id). */
export function picks(seed: number, id: number, which: PerSessionSwitch, rate: number | undefined): boolean {
  if (!(rate !== undefined && rate > 0)) return false;
  return new Rng(mixSeed(seed, id, SALTS[which])).next() < rate;
}

export function implausibleKindOf(seed: number, id: number): ImplausibleKind {
  const r = new Rng(mixSeed(seed, id, SALTS.implausible));
  r.next();
  return IMPLAUSIBLE_KINDS[r.int(0, IMPLAUSIBLE_KINDS.length - 1)];
}

/** `npx mluvii-etl simulator --misbehave`: every switch on, tuned so the default client (5 rps) meets all of them. */
export const MISBEHAVE_PRESET: Required<Pick<Misbehaviour, 'rateLimitRps' | 'errorRate' | 'slowRate' | 'slowMs' | 'pageSizeCap' | 'malformedRate'>> = {
  rateLimitRps: 4,
  errorRate: 0.05,
  slowRate: 0.05,
  slowMs: 1500,
  pageSizeCap: 50,
  malformedRate: 0.01,
};

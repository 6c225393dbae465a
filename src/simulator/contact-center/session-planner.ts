/**
 * The drawing state of one session and the steps its story is told in (instants, routing events,
 * activities, operator and group picks). The parts of the story (session-kinds.ts,
 * outbound-calls.ts, routing-request.ts, conversation.ts, aftermath.ts) call only these, so the
 * order in which random numbers are consumed is visible in one place per part.
 */
import { GROUPS, OPERATORS, type SimGroup } from '../catalog.js';
import { ceilToDigits } from '../iso-format.js';
import type { Rng } from '../random.js';
import { US, type SessionDraft } from './session-draft.js';

export type Channel = 'Chat' | 'Phone' | 'AV';

const CAMPAIGN_GROUP_ID = 7310;
/** The outbound campaign group: preview and dialer campaigns and half the manual outbound calls go through it. */
export const CAMPAIGN_GROUP = GROUPS.find((g) => g.id === CAMPAIGN_GROUP_ID) as SimGroup;
const INBOUND_GROUPS: Record<number, SimGroup[]> = {};
for (const g of GROUPS) if (g.id !== CAMPAIGN_GROUP_ID) (INBOUND_GROUPS[g.departmentId] ??= []).push(g);

/**
 * How many fractional digits an instant keeps (it is rounded up to them), so printed timestamps
 * show 0–7 digits while staying exactly equal to the stored value: mostly µs, sometimes ms or whole seconds.
 */
export function fractionDigits(r: Rng): number {
  const u = r.next();
  return u < 0.72 ? 6 : u < 0.77 ? 5 : u < 0.81 ? 4 : u < 0.91 ? 3 : u < 0.94 ? 2 : u < 0.97 ? 1 : 0;
}

/**
 * One session's story while it is drawn: the draft so far and the small steps every part of the
 * story uses. Every step consumes the stream in a fixed order, whatever `now` will be.
 */
export class SessionPlanner {
  readonly d: SessionDraft;
  private rrCount = 0;

  constructor(
    readonly r: Rng,
    id: number,
    created: number,
    /** 0 (night) … 1 (peak hour): queues are longer when busy. */
    readonly load: number,
  ) {
    this.d = {
      id, created, closedAt: created, settledAt: created,
      style: r.chance(0.82) ? 0 : r.chance(0.7) ? 1 : 2,
      omitNulls: r.chance(0.08),
      channel: 'Chat', source: 'Default', departmentId: 62, widget: null, url: null,
      isDirectChat: false, autoAccepted: false, blacklisted: false, campaignId: null,
      guest: {}, avSupport: 'WEB_RTC', phoneCallbackNumber: null, directCallNumber: null,
      guestJoined: null, started: null, ended: null, queueLeft: null, waitedZero: false, phoneCallbackDialed: null,
      dialResult: null, dialResultAt: null, guestLeft: 'UNKNOWN', routingStart: null, firstAssign: null,
      guestAfterOperator: false, routing: [], routingReversed: false, stints: [], chatbot: null, activities: [],
      recordings: [], recordingsProcessedAt: null, recordingsFailed: false, tags: [], feedback: null,
    };
  }

  /** A later instant, rounded up to a random number of fractional digits (so printed = stored). */
  after(t: number, seconds: number): number {
    return ceilToDigits(t + Math.round(seconds * US), fractionDigits(this.r));
  }

  route(
    t: number,
    type: string,
    fields: { rr?: number; group?: SimGroup | null; op?: number | null; forwardedBy?: number | null; invitedBy?: number | null; phone?: string | null } = {},
  ): void {
    this.d.routing.push({
      rr: fields.rr ?? this.d.id * 10 + this.rrCount,
      t,
      type,
      group: fields.group ?? null,
      op: fields.op ?? null,
      forwardedBy: fields.forwardedBy ?? null,
      invitedBy: fields.invitedBy ?? null,
      phone: fields.phone ?? null,
    });
  }

  newRoutingRequest(): number {
    this.rrCount += 1;
    return this.d.id * 10 + this.rrCount;
  }

  act(t: number, type: string, client: string | null, userId: number | null = null, text: string | null = null, extra: Record<string, unknown> | null = null): void {
    this.d.activities.push({ t, type, client, userId, text, extra });
  }

  pickOperator(group: SimGroup, exclude: number[]): number {
    if (exclude.length === 0) return this.r.pick(group.members);
    const pool = group.members.filter((m) => !exclude.includes(m));
    return pool.length ? this.r.pick(pool) : this.r.pick(OPERATORS.filter((o) => !exclude.includes(o.userId))).userId;
  }

  /** An inbound group of the department (not the campaign group), other than `exclude`. */
  groupOf(departmentId: number, exclude?: SimGroup): SimGroup {
    const pool = INBOUND_GROUPS[departmentId] ?? GROUPS;
    if (!exclude) return this.r.pick(pool);
    const others = pool.filter((g) => g !== exclude);
    return this.r.pick(others.length ? others : pool);
  }

  phoneNumber(): string {
    return `+420${this.r.pick(['6', '7'])}${String(this.r.int(0, 99_999_999)).padStart(8, '0')}`;
  }
}

/**
 * A deterministic simulated contact center (pure: no I/O, no clock, no Math.random).
 *
 * Sessions are generated per UTC hour ("bucket"), each bucket from its own PRNG stream seeded by
 * (seed, hour), so any range is a consistent subset of any larger range and the server can find a
 * session from its id alone (the id encodes its hour).
 *
 * Generation is two steps:
 * - `planBucket` draws everything random into drafts: plain numbers, instants in integer µs.
 * - `buildSession` renders a draft as the API would show it at an instant `now`: whatever happens
 *   after `now` is not there yet (no `ended`, operators without `concluded`, a status that is not
 *   CLOSED, fewer routing events). So the same session "concludes" as simulated time passes, while
 *   its randomness never depends on `now`.
 *
 * What the traffic contains (the public API docs, docs/metrics.md), at realistic but modest rates:
 * chat, AV and phone; inbound, outbound, callbacks; preview and predictive campaigns; chatbots
 * with and without a handoff; business-hours peaks and quiet nights and weekends; operator timeouts
 * (operators who appear only in the routing history), forwards to users, groups and phones,
 * forwards back (one operator twice in operators[]), invites (concurrent operators whose `left` is
 * null), guests who leave in the queue or while an operator is being offered, auto-accepts,
 * pickups without an assignment (skipped states), outbound calls where the guest joins after the
 * operator (positive BCW), operators who forget the conclusion form for hours, small clock skews that make a few formulas
 * negative, timestamps with local offsets or `Z` and 0–7 fractional digits, and ISO 8601 durations
 * consistent with the timestamps (length = ended − started, waited = queue left − created).
 */
import type { Activity, GuestInfo, RoutingTimeLine, SessionModel } from './payloads.js';
import {
  CHATBOT, COMPANY_ID, DIALER_CAMPAIGN_IDS, GROUPS, GUEST_LINES, NOTES, OPERATOR_BY_ID, OPERATOR_LINES, OPERATORS, PREVIEW_CAMPAIGN_IDS,
  TAG_NAMES, URLS, WIDGETS, type SimGroup,
} from './catalog.js';
import { ceilToDigits, formatDuration, formatTimestamp, pragueOffsetSeconds, weekdayOfDays } from './iso-format.js';
import { mixSeed, Rng } from './random.js';

export interface SimulatedSession {
  session: SessionModel;
  routingHistory: RoutingTimeLine[];
}

const US = 1_000_000;
const HOUR_MS = 3_600_000;
const HOUR_US = 3_600 * US;
/** Ids count hours from 2000-01-01 so they stay positive and far below 2^53. */
const ID_EPOCH_HOUR = Date.UTC(2000, 0, 1) / HOUR_MS;
export const IDS_PER_HOUR = 100_000;
/** Good sessions per hour are capped here; ids above it are free for the server's malformed items. */
export const MAX_SESSIONS_PER_HOUR = 90_000;
/** A weekday's volume when `sessionsPerDay` is not given (weekends get WEEKEND_FACTOR of it). */
export const DEFAULT_SESSIONS_PER_DAY = 550;
const WEEKEND_FACTOR = 0.3;
/** "Far future": every session fully concluded. */
export const END_OF_TIME_US = Number.MAX_SAFE_INTEGER;

// Relative volume per local (Europe/Prague) hour: business-hours peaks, quiet nights.
const WEEKDAY_PROFILE = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 8, 10, 10, 9, 7, 8, 9, 8, 7, 5, 3, 2, 1.5, 1, 0.6, 0.3];
const WEEKEND_PROFILE = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 3, 3, 3, 3, 2.5, 2, 1.5, 1.2, 1, 0.8, 0.5, 0.3];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const WEEKDAY_SUM = sum(WEEKDAY_PROFILE);
const WEEKEND_SUM = sum(WEEKEND_PROFILE);
const PEAK = Math.max(...WEEKDAY_PROFILE);

// ---------------------------------------------------------------------------------------------
// Drafts: everything random, drawn once; instants in µs since the epoch.

interface RoutingDraft {
  rr: number;
  t: number;
  type: string;
  group: SimGroup | null;
  op: number | null;
  forwardedBy: number | null;
  invitedBy: number | null;
  phone: string | null;
}

interface StintDraft {
  userId: number;
  joined: number;
  /** null forever for a concurrent operator who never got a SessionOperatorLeft. */
  left: number | null;
  /** Set by the end of the story; null only while it is after `now`. */
  concluded: number | null;
  note: string | null;
}

interface ActivityDraft {
  t: number;
  type: string;
  client: string | null;
  userId: number | null;
  text: string | null;
  extra: Record<string, unknown> | null;
}

interface RecordingDraft {
  started: number;
  duration: number;
  type: string;
  userId: number | null;
}

/** One planned session. Exported for the server, which caches drafts and renders pages of them. */
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

type Channel = 'Chat' | 'Phone' | 'AV';

interface RouteResult {
  op: number;
  accepted: number;
  group: SimGroup;
}

/** Draws one session's story. Each method consumes the stream in a fixed order, whatever `now` will be. */
class Planner {
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

  // --- the story -------------------------------------------------------------------------------

  plan(): SessionDraft {
    const { r, d } = this;
    const channel: Channel = r.weighted([['Chat', 0.55], ['Phone', 0.3], ['AV', 0.15]] as const);
    d.channel = channel;
    d.departmentId = r.chance(0.72) ? 62 : 63;
    this.guest(channel);
    if (channel === 'Chat') {
      const kind = r.weighted([['inbound', 0.78], ['chatbot', 0.07], ['handoff', 0.05], ['direct', 0.04], ['leftBeforeQueue', 0.03], ['whatsapp', 0.03]] as const);
      if (kind === 'inbound') this.inbound('Default');
      else if (kind === 'whatsapp') this.inbound('WhatsApp');
      else if (kind === 'chatbot') this.chatbot(false);
      else if (kind === 'handoff') this.chatbot(true);
      else if (kind === 'direct') this.direct('ChatInvitation');
      else this.leftBeforeQueue();
    } else if (channel === 'Phone') {
      const kind = r.weighted([['inbound', 0.6], ['outbound', 0.18], ['callback', 0.07], ['preview', 0.08], ['dialer', 0.07]] as const);
      if (kind === 'inbound') this.inbound('IncomingCall');
      else if (kind === 'outbound') this.outbound();
      else if (kind === 'callback') this.callback();
      else if (kind === 'preview') this.previewCampaign();
      else this.dialerCampaign();
    } else {
      if (r.chance(0.85)) this.inbound('Default');
      else this.direct('Invitation');
    }
    this.finish();
    return d;
  }

  private guest(channel: Channel): void {
    const { r, d } = this;
    const phone = channel === 'Phone';
    d.widget = phone ? null : r.pick(WIDGETS[d.departmentId]);
    d.url = phone ? null : r.pick(URLS[d.departmentId]);
    d.avSupport = phone ? 'NONE' : r.chance(0.95) ? 'WEB_RTC' : 'NONE';
    const lang = r.weighted([['cs', 0.75], ['sk', 0.12], ['en', 0.13]] as const);
    const callParams: Record<string, string> = {};
    if (phone) {
      d.phoneCallbackNumber = this.phoneNumber();
      callParams.oo1_guest_phone = d.phoneCallbackNumber;
    } else {
      callParams.oo1_page = r.pick(['Objednávky', 'Úvod', 'Košík', 'Reklamace', 'Portál']);
      callParams.oo1_ref_url = d.url ?? '';
      callParams.oo1_widget_lang = lang;
      if (r.chance(0.3)) callParams.oo1_guest_email = `host${r.int(1, 99_999)}@example.cz`;
    }
    d.guest = {
      tempId: r.int(1, 9_999_999),
      ipAddress: phone ? null : `203.0.113.${r.int(1, 254)}`,
      trackedId: phone ? null : r.uuid(),
      identity: r.chance(0.25) ? String(r.int(1, 99_999)) : null,
      channelIdentity: r.chance(0.25) ? r.int(1, 9_999_999) : null,
      os: phone ? 'UNKNOWN' : r.pick(['WINDOWS', 'WINDOWS', 'ANDROID', 'IOS', 'OSX', 'LINUX']),
      browser: phone ? 'UNKNOWN' : r.pick(['CHROME', 'CHROME', 'SAFARI', 'FF', 'CHROMIUM_EDGE', 'OPERA']),
      language: lang,
      callParams,
      gdprVersion: phone ? null : r.pick(['2', '3']),
    };
  }

  /** Guest comes in, is routed to a group, an operator accepts (or not), they talk. */
  private inbound(source: string): void {
    const { r, d } = this;
    d.source = source;
    const channel = d.channel as Channel;
    const joinDelay = channel === 'Chat' ? r.between(0.005, 0.03) : channel === 'Phone' ? r.between(0, 0.002) : r.between(0.1, 1);
    d.guestJoined = this.after(d.created, joinDelay);
    if (channel === 'Chat') this.act(this.after(d.guestJoined, r.between(0.2, 3)), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
    const res = this.routeToOperator(this.after(d.created, r.between(0.005, 0.25)), this.groupOf(d.departmentId), {});
    if (res) {
      d.started = res.accepted;
      this.serve(res.op, res.accepted, res.group, { blacklistable: channel === 'Chat' });
    }
  }

  /**
   * The routing of one request: created, queued in a group, offered to operators (some time out),
   * accepted — or the guest leaves first. Returns undefined when nobody accepted.
   */
  private routeToOperator(start: number, group: SimGroup, opts: { queueMean?: number; noAbandon?: boolean; dropRate?: number }): RouteResult | undefined {
    const { r, d } = this;
    const rr = this.newRoutingRequest();
    d.routingStart = start;
    this.route(start, 'RoutingRequestCreated', { rr });
    const entered = this.after(start, r.between(0.002, 0.05));
    this.route(entered, 'EnteredGroupQueue', { rr, group });
    const base = d.channel === 'Chat' ? 15 : d.channel === 'Phone' ? 25 : 20;
    const queueMean = opts.queueMean ?? base * (0.3 + 1.7 * this.load);
    const outcome = r.weighted([
      ['abandonQueue', opts.noAbandon ? 0 : (opts.dropRate ?? 0.06)],
      ['abandonWaiting', opts.noAbandon ? 0 : 0.03],
      ['groupTimeout', 0.01],
      ['pickup', 0.02],
      ['normal', 0.88],
    ] as const);
    if (outcome === 'abandonQueue' || outcome === 'groupTimeout') {
      const timeout = outcome === 'groupTimeout';
      const leave = this.after(entered, timeout ? r.between(120, 300) : r.exp(queueMean * 1.5) + 1);
      if (timeout) this.route(leave, 'GroupQueueTimeoutExpired', { rr, group });
      this.route(leave, 'LeftGroupQueue', { rr, group });
      this.route(this.after(leave, 0.005), 'RoutingEnded', { rr });
      this.abandon(leave, timeout ? 'FailedRouting' : 'GuestAbandoned');
      return undefined;
    }
    const waitMedian = d.channel === 'Chat' ? 4 : d.channel === 'Phone' ? 7 : 6;
    let t = this.after(entered, r.exp(queueMean));
    if (outcome === 'pickup') {
      // An operator takes the session straight from the queue: no AssignedToOperator at all.
      const op = this.pickOperator(group, []);
      this.route(t, 'AcceptedByOperator', { rr, op });
      this.route(t, 'LeftGroupQueue', { rr, group });
      this.route(this.after(t, 0.005), 'RoutingEnded', { rr });
      d.queueLeft = t;
      return { op, accepted: t, group };
    }
    const tried: number[] = [];
    const timeouts = r.weighted([[0, 0.77], [1, 0.18], [2, 0.05]] as const);
    for (let k = 0; k < timeouts; k++) {
      const op = this.pickOperator(group, tried);
      tried.push(op);
      d.firstAssign ??= t;
      this.route(t, 'AssignedToOperator', { rr, group, op });
      const expired = this.after(t, 20);
      this.route(expired, 'OperatorTimeoutExpired', { rr, op });
      t = this.after(expired, r.between(0.2, 3));
    }
    const op = this.pickOperator(group, tried);
    d.firstAssign ??= t;
    this.route(t, 'AssignedToOperator', { rr, group, op });
    if (outcome === 'abandonWaiting') {
      const leave = this.after(t, r.between(2, 15));
      this.route(leave, 'LeftGroupQueue', { rr, group });
      this.route(this.after(leave, 0.005), 'RoutingEnded', { rr });
      this.abandon(leave, 'GuestAbandoned');
      return undefined;
    }
    let accepted = t;
    if (r.chance(0.1)) {
      d.autoAccepted = true;
    } else {
      accepted = this.after(t, Math.min(19, r.logNormal(waitMedian, 0.6)));
    }
    this.route(accepted, 'AcceptedByOperator', { rr, op });
    this.route(accepted, 'LeftGroupQueue', { rr, group });
    this.route(this.after(accepted, 0.005), 'RoutingEnded', { rr });
    d.queueLeft = accepted;
    return { op, accepted, group };
  }

  private abandon(leave: number, reason: string): void {
    const { d } = this;
    d.queueLeft = leave;
    d.ended = leave;
    d.guestLeft = 'LeftQueue';
    this.act(leave, 'SessionEnded', 'Guest', null, null, { terminationReason: reason });
  }

  /**
   * The operator part: `op` is in contact from `from` on; forwards, invites, the end of the session
   * and after-call work. Adds the operator's stint unless `existingStint` already did.
   */
  private serve(op: number, from: number, group: SimGroup, opts: { existingStint?: boolean; blacklistable?: boolean }): void {
    const { r, d } = this;
    const channel = d.channel as Channel;
    let current: StintDraft;
    if (opts.existingStint) {
      current = d.stints[d.stints.length - 1];
    } else {
      current = { userId: op, joined: from, left: null, concluded: null, note: null };
      d.stints.push(current);
      this.act(from, 'Joined', 'User', op);
    }
    let talk = channel === 'Chat' ? r.logNormal(420, 0.7) : channel === 'Phone' ? r.logNormal(180, 0.8) : r.logNormal(480, 0.6);
    if (r.chance(0.0008)) talk = 86_400 * r.between(1, 1.4); // a chat left open over a day: `P1DT…`
    const blacklist = opts.blacklistable === true && r.chance(0.003);
    if (blacklist) talk = r.between(20, 60);
    if (channel === 'Chat') this.act(this.after(from, Math.min(r.between(2, 20), talk / 2)), 'ChatMessage', 'User', op, r.pick(OPERATOR_LINES));
    let end = this.after(from, talk);
    let t = from;

    // Forwards: to a user, to a group, there and back again, or out to a phone number.
    const forward = blacklist
      ? 'none'
      : r.weighted([['none', 0.83], ['user', 0.06], ['group', 0.05], ['boomerang', 0.015], ['phone', channel === 'Phone' ? 0.02 : 0]] as const);
    if (forward === 'phone') {
      const at = this.after(t, (end - t) / US * r.between(0.2, 0.6));
      const rr = this.newRoutingRequest();
      const phone = this.phoneNumber();
      this.route(at, 'ForwardedToPhone', { rr, phone, forwardedBy: current.userId });
      this.route(this.after(at, 0.01), 'RoutingEnded', { rr });
      this.act(at, 'SessionForwarded', 'User', current.userId, null, { toPhoneNumber: phone });
      end = this.after(at, r.between(0.5, 2));
      this.close(current, end, 'CallForwardedToExternalPhone', 'LeftSession');
      return;
    }
    const hops = forward === 'none' ? [] : forward === 'boomerang' ? ['user', 'back'] : [forward];
    const first = current.userId;
    for (const hop of hops) {
      const at = this.after(t, (end - t) / US * r.between(0.2, 0.6));
      const rr = this.newRoutingRequest();
      const by = current.userId;
      let target: number;
      let assigned: number;
      let g2: SimGroup | undefined;
      if (hop === 'group') {
        g2 = this.groupOf(d.departmentId, group);
        this.route(at, 'ForwardedToGroup', { rr, group: g2, forwardedBy: by });
        const entered = this.after(at, 0.003);
        this.route(entered, 'EnteredGroupQueue', { rr, group: g2 });
        target = this.pickOperator(g2, [by]);
        assigned = this.after(entered, r.exp(20));
        this.route(assigned, 'AssignedToOperator', { rr, group: g2, op: target });
        this.act(at, 'SessionForwarded', 'User', by, null, { toGroupId: g2.id, toGroupName: g2.name, note: r.pick(NOTES) });
      } else {
        target = hop === 'back' ? first : this.pickOperator(group, [by]);
        const o = OPERATOR_BY_ID.get(target);
        this.route(at, 'ForwardedToUser', { rr, op: target, forwardedBy: by });
        assigned = this.after(at, 0.005);
        this.route(assigned, 'AssignedToOperator', { rr, op: target });
        this.act(at, 'SessionForwarded', 'User', by, null, { toOperatorUserId: target, toOperatorFullName: o ? `${o.firstName} ${o.lastName}` : null });
      }
      if (hop === 'user' && hops.length === 1 && r.chance(0.1)) {
        // The colleague does not pick up: the session stays with the forwarding operator.
        const expired = this.after(assigned, 20);
        this.route(expired, 'OperatorTimeoutExpired', { rr, op: target });
        this.route(this.after(expired, 0.005), 'RoutingEnded', { rr });
        t = expired;
        if (end <= t) end = this.after(t, r.between(30, 120));
        continue;
      }
      const accepted = this.after(assigned, r.between(1, 15));
      this.route(accepted, 'AcceptedByOperator', { rr, op: target });
      if (g2) this.route(accepted, 'LeftGroupQueue', { rr, group: g2 });
      this.route(this.after(accepted, 0.005), 'RoutingEnded', { rr });
      // The forwarding operator stays until the colleague accepts, then writes a short note (ACW).
      current.left = accepted;
      current.concluded = this.after(accepted, r.between(0, 60));
      current.note = r.pick(NOTES);
      current = { userId: target, joined: accepted, left: null, concluded: null, note: null };
      d.stints.push(current);
      this.act(accepted, 'Joined', 'User', target);
      t = accepted;
      if (end <= t) end = this.after(t, r.between(30, 300));
    }

    // An invite: a second operator joins (or declines and appears only in the routing history).
    if (!blacklist && r.chance(0.05)) {
      const at = this.after(t, (end - t) / US * r.between(0.1, 0.5));
      const rr = this.newRoutingRequest();
      const by = current.userId;
      const invitee = this.pickOperator(group, d.stints.map((s) => s.userId));
      if (r.chance(0.85)) {
        this.route(at, 'InvitedUser', { rr, op: invitee, invitedBy: by });
      } else {
        const g2 = this.groupOf(d.departmentId, group);
        this.route(at, 'InvitedGroup', { rr, group: g2, invitedBy: by });
        this.route(this.after(at, 0.003), 'EnteredGroupQueue', { rr, group: g2 });
      }
      this.act(at, 'OperatorInvited', 'User', by, null, { toOperatorUserId: invitee });
      const assigned = this.after(at, 0.01);
      this.route(assigned, 'AssignedToOperator', { rr, op: invitee });
      if (r.chance(0.2)) {
        const expired = this.after(assigned, 20);
        this.route(expired, 'OperatorTimeoutExpired', { rr, op: invitee });
        this.route(this.after(expired, 0.005), 'RoutingEnded', { rr });
        this.act(expired, 'OperatorInviteRejected', 'User', invitee);
        if (end <= expired) end = this.after(expired, r.between(30, 120));
      } else {
        const accepted = this.after(assigned, r.between(2, 15));
        this.route(accepted, 'AcceptedByOperator', { rr, op: invitee });
        this.route(this.after(accepted, 0.005), 'RoutingEnded', { rr });
        if (end <= accepted) end = this.after(accepted, r.between(60, 300));
        const guestStint: StintDraft = { userId: invitee, joined: accepted, left: null, concluded: null, note: null };
        d.stints.push(guestStint);
        this.act(accepted, 'Joined', 'User', invitee);
        if (r.chance(0.5)) {
          // Leaves early: gets `left` and concludes on their own.
          guestStint.left = this.after(accepted, (end - accepted) / US * r.between(0.2, 0.8));
          guestStint.concluded = this.after(guestStint.left, r.between(0, 90));
        } else {
          // Stays to the end: only the main operator gets `left`; this one only concludes.
          guestStint.concluded = this.after(end, r.between(1, 120));
        }
        guestStint.note = r.pick(NOTES);
      }
    }

    if (channel === 'Chat' && end - t > 30 * US) this.act(this.after(t, (end - t) / US * 0.5), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
    if (blacklist) d.blacklisted = true;
    const guestEnds = r.chance(0.55);
    this.close(current, end, guestEnds ? 'GuestLeft' : 'OperatorLeft', guestEnds ? 'LeftSession' : 'LeftAfterSession');
  }

  /** The session ends at `end`; the last operator leaves then and does after-call work. */
  private close(last: StintDraft, end: number, reason: string, guestLeft: string): void {
    const { r, d } = this;
    d.ended = end;
    d.guestLeft = guestLeft;
    last.left = end;
    const acw = r.weighted([['zero', 0.06], ['normal', 0.933], ['forgotten', 0.003], ['skew', 0.004]] as const);
    if (acw === 'zero') last.concluded = end;
    // The operator forgets the conclusion form until the end of the shift: ACW open for hours.
    else if (acw === 'forgotten') last.concluded = this.after(end, r.between(2 * 3600, 8 * 3600));
    else if (acw === 'skew') last.concluded = end - r.int(5, 50) * 1000; // a concluding server slightly behind: negative ACW
    else last.concluded = this.after(end, Math.min(1800, r.logNormal(35, 0.9)));
    last.note = r.pick(NOTES);
    this.act(end, 'SessionEnded', reason === 'OperatorLeft' ? 'User' : 'Guest', reason === 'OperatorLeft' ? last.userId : null, null, { terminationReason: reason });
  }

  private chatbot(handoff: boolean): void {
    const { r, d } = this;
    d.source = 'Default';
    d.guestJoined = this.after(d.created, r.between(0.005, 0.03));
    const joined = this.after(d.created, r.between(0.1, 0.5));
    this.act(joined, 'ChatbotMessage', 'Chatbot', null, 'Dobrý den, jsem virtuální asistent. S čím vám mohu pomoci?', { chatbotId: CHATBOT.chatbotId });
    this.act(this.after(joined, r.between(3, 20)), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
    if (!handoff) {
      const end = this.after(joined, r.between(30, 300));
      d.chatbot = { joined, left: end };
      d.ended = end;
      d.guestLeft = 'LeftSession';
      d.waitedZero = r.chance(0.5);
      const reason = r.chance(0.5) ? 'ChatbotLeft' : 'GuestLeft';
      this.act(end, 'SessionEnded', reason === 'ChatbotLeft' ? 'Chatbot' : 'Guest', null, null, { terminationReason: reason });
      return;
    }
    const at = this.after(joined, r.between(20, 180));
    d.chatbot = { joined, left: at };
    this.act(at, 'Handoff', 'Chatbot', null, null, { chatbotId: CHATBOT.chatbotId });
    const res = this.routeToOperator(this.after(at, r.between(0.01, 0.1)), this.groupOf(d.departmentId), {});
    if (res) {
      d.started = res.accepted;
      this.serve(res.op, res.accepted, res.group, {});
    }
  }

  /** An operator starts the conversation (proactive chat or AV invitation): no routing; the guest joins later, or never. */
  private direct(source: string): void {
    const { r, d } = this;
    d.source = source;
    d.isDirectChat = source === 'ChatInvitation';
    if (source === 'Invitation') d.directCallNumber = String(r.int(100_000, 999_999));
    const group = this.groupOf(d.departmentId);
    const op = this.pickOperator(group, []);
    const joined = this.after(d.created, r.between(0.05, 0.3));
    d.started = joined;
    d.guestAfterOperator = true;
    d.waitedZero = r.chance(0.5);
    d.stints.push({ userId: op, joined, left: null, concluded: null, note: null });
    this.act(joined, 'Joined', 'User', op);
    this.act(this.after(joined, 0.2), 'ChatMessage', 'User', op, 'Dobrý den, mohu vám s něčím pomoci?');
    if (r.chance(0.6)) {
      d.guestJoined = this.after(joined, r.between(5, 90));
      this.serve(op, d.guestJoined, group, { existingStint: true });
    } else {
      this.close(d.stints[0], this.after(joined, r.between(60, 300)), 'OperatorLeft', 'UNKNOWN');
    }
  }

  private leftBeforeQueue(): void {
    const { r, d } = this;
    d.source = 'Default';
    d.guestJoined = this.after(d.created, r.between(0.005, 0.05));
    d.ended = this.after(d.guestJoined, r.between(1, 15));
    d.guestLeft = 'LeftBeforeQueue';
    d.waitedZero = r.chance(0.5);
    this.act(d.ended, 'SessionEnded', 'Guest', null, null, { terminationReason: 'GuestLeft' });
  }

  /** An operator dials out: no routing at all; the guest joins after the operator (positive BCW) or never. */
  private outbound(): void {
    const { r, d } = this;
    d.source = 'OutgoingCall';
    d.guestAfterOperator = true;
    const group = CAMPAIGN_GROUP;
    const op = this.pickOperator(r.chance(0.5) ? group : this.groupOf(d.departmentId), []);
    const joined = this.after(d.created, r.between(0.2, 1));
    d.started = joined;
    d.stints.push({ userId: op, joined, left: null, concluded: null, note: null });
    this.act(joined, 'Joined', 'User', op);
    this.dial(joined, op, group, 'OperatorLeft');
  }

  /** Rings the guest from `from`; on an answer the conversation is served, otherwise the attempt ends. */
  private dial(from: number, op: number, group: SimGroup, failedReason: string): void {
    const { r, d } = this;
    const result = r.weighted([['ANSWERED', 0.65], ['NO_ANSWER', 0.18], ['REJECTED', 0.06], ['UNREACHABLE', 0.05], ['FAILED', 0.03], ['INVALID_NUMBER', 0.03]] as const);
    const ring = r.between(5, 30);
    d.dialResult = result;
    if (result === 'ANSWERED') {
      d.guestJoined = this.after(from, ring);
      d.dialResultAt = d.guestJoined;
      this.serve(op, d.guestJoined, group, { existingStint: true });
    } else {
      const end = this.after(from, result === 'INVALID_NUMBER' ? r.between(0.5, 2) : ring);
      d.dialResultAt = end;
      this.close(d.stints[d.stints.length - 1], end, failedReason, 'UNKNOWN');
    }
  }

  /** The guest asked to be called back: routed like inbound (long queue), then the operator dials. */
  private callback(): void {
    const { r, d } = this;
    d.source = 'Callback';
    d.guestAfterOperator = true;
    const res = this.routeToOperator(this.after(d.created, r.between(0.01, 0.2)), this.groupOf(d.departmentId), { queueMean: r.between(60, 600), noAbandon: true });
    if (!res) return;
    d.started = res.accepted;
    d.stints.push({ userId: res.op, joined: res.accepted, left: null, concluded: null, note: null });
    this.act(res.accepted, 'Joined', 'User', res.op);
    d.phoneCallbackDialed = this.after(res.accepted, r.between(1, 6));
    this.dial(d.phoneCallbackDialed, res.op, res.group, 'ExternalPartyLeft');
  }

  /** Preview campaign: the contact is routed to an operator, who reads it and then dials (ring time is meaningless: M-RING). */
  private previewCampaign(): void {
    const { r, d } = this;
    d.source = 'Campaign';
    d.campaignId = r.pick(PREVIEW_CAMPAIGN_IDS);
    d.guestAfterOperator = true;
    const group = CAMPAIGN_GROUP;
    const res = this.routeToOperator(this.after(d.created, r.between(0.01, 0.1)), group, { queueMean: r.between(0.5, 5), noAbandon: true });
    if (!res) return;
    d.started = res.accepted;
    d.stints.push({ userId: res.op, joined: res.accepted, left: null, concluded: null, note: null });
    this.act(res.accepted, 'Joined', 'User', res.op);
    this.dial(this.after(res.accepted, r.between(5, 60)), res.op, res.group, 'ExternalPartyLeft');
  }

  /** Predictive/progressive campaign: the dialer calls first; an answered call is routed to a free operator. */
  private dialerCampaign(): void {
    const { r, d } = this;
    d.source = 'Campaign';
    d.campaignId = r.pick(DIALER_CAMPAIGN_IDS);
    const result = r.weighted([['ANSWERED', 0.55], ['NO_ANSWER', 0.25], ['FAILED', 0.05], ['UNREACHABLE', 0.08], ['REJECTED', 0.07]] as const);
    const ring = r.between(5, 25);
    d.dialResult = result;
    if (result !== 'ANSWERED') {
      d.ended = this.after(d.created, ring);
      d.dialResultAt = d.ended;
      this.act(d.ended, 'SessionEnded', null, null, null, { terminationReason: 'CampaignFailedDial' });
      return;
    }
    d.guestJoined = this.after(d.created, ring);
    d.dialResultAt = d.guestJoined;
    const group = CAMPAIGN_GROUP;
    const res = this.routeToOperator(this.after(d.guestJoined, r.between(0.02, 0.1)), group, { queueMean: 2, dropRate: 0.08 });
    if (res) {
      d.started = res.accepted;
      this.serve(res.op, res.accepted, res.group, {});
    }
  }

  /** Everything after the story: skews, recordings, tags, feedback, the settle instants, activity order. */
  private finish(): void {
    const { r, d } = this;
    // A routing server whose clock is a little behind: first routing event before `created`
    // (negative created_s), rarely an accept before its assignment (negative waiting).
    if (d.routing.length && r.chance(0.008)) {
      const skew = r.int(20, 400) * 1000;
      for (const e of d.routing) e.t -= skew;
    } else if (d.autoAccepted && r.chance(0.05)) {
      const acc = d.routing.find((e) => e.type === 'AcceptedByOperator');
      if (acc) acc.t -= r.int(1, 30) * 1000;
    }
    d.routingReversed = d.routing.length > 1 && r.chance(0.02);

    if ((d.channel === 'Phone' || d.channel === 'AV') && d.ended !== null && d.started !== null) {
      for (const s of d.stints) {
        const until = s.left ?? d.ended;
        if (until > s.joined) d.recordings.push({ started: s.joined, duration: until - s.joined, type: 'Operator', userId: s.userId });
      }
      if (d.channel === 'AV' && d.recordings.length) d.recordings.push({ started: d.started, duration: d.ended - d.started, type: 'AllParticipants', userId: null });
      if (d.recordings.length) {
        d.recordingsProcessedAt = this.after(d.ended, r.between(30, 180));
        d.recordingsFailed = r.chance(0.02);
      }
    }
    const lastOp = d.stints.length ? d.stints[d.stints.length - 1] : undefined;
    if (lastOp && d.ended !== null && r.chance(0.35)) {
      const at = lastOp.concluded ?? d.ended;
      for (const name of new Set([r.pick(TAG_NAMES), ...(r.chance(0.3) ? [r.pick(TAG_NAMES)] : [])])) d.tags.push({ t: at, name, userId: lastOp.userId });
    }
    if (d.started !== null && d.ended !== null && d.channel !== 'Phone' && r.chance(0.2)) {
      const nps = r.chance(0.15);
      d.feedback = { t: this.after(d.ended, r.between(5, 60)), stars: nps ? r.int(0, 10) : r.int(1, 5), scale: nps ? 'NPS' : 'Likert', text: r.chance(0.3) ? r.pick(['Rychlé vyřízení', 'Děkuji', 'Nic mi nevyřešili', 'Super']) : null };
    }

    const ended = d.ended ?? d.created;
    let closed = ended;
    let settled = ended;
    for (const s of d.stints) if (s.concluded !== null) closed = Math.max(closed, s.concluded);
    settled = Math.max(settled, closed, d.recordingsProcessedAt ?? 0, d.feedback?.t ?? 0);
    d.closedAt = closed;
    d.settledAt = settled;
    d.activities.sort((a, b) => a.t - b.t);
  }
}

const CAMPAIGN_GROUP_ID = 7310;
const CAMPAIGN_GROUP = GROUPS.find((g) => g.id === CAMPAIGN_GROUP_ID) as SimGroup;
const INBOUND_GROUPS: Record<number, SimGroup[]> = {};
for (const g of GROUPS) if (g.id !== CAMPAIGN_GROUP_ID) (INBOUND_GROUPS[g.departmentId] ??= []).push(g);

/**
 * How many fractional digits an instant keeps (it is rounded up to them), so printed timestamps
 * show 0–7 digits while staying exactly equal to the stored value: mostly µs, sometimes ms or whole seconds.
 */
function fractionDigits(r: Rng): number {
  const u = r.next();
  return u < 0.72 ? 6 : u < 0.77 ? 5 : u < 0.81 ? 4 : u < 0.91 ? 3 : u < 0.94 ? 2 : u < 0.97 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Buckets

/** The UTC hour index of an instant in ms. */
export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** The hour a session id was generated in (ids encode it). */
export function hourOfSessionId(id: number): number {
  return Math.floor(id / IDS_PER_HOUR) + ID_EPOCH_HOUR;
}

/** Expected sessions in one UTC hour, from the local (Prague) hour and weekday. */
export function expectedSessionsInHour(hour: number, sessionsPerDay: number): { mean: number; load: number } {
  const sec = hour * 3600;
  const local = sec + pragueOffsetSeconds(sec);
  const days = Math.floor(local / 86_400);
  const localHour = Math.floor((local - days * 86_400) / 3600);
  const wd = weekdayOfDays(days);
  const weekend = wd === 0 || wd === 6;
  const w = weekend ? WEEKEND_PROFILE[localHour] : WEEKDAY_PROFILE[localHour];
  const mean = weekend ? (sessionsPerDay * WEEKEND_FACTOR * w) / WEEKEND_SUM : (sessionsPerDay * w) / WEEKDAY_SUM;
  return { mean, load: w / PEAK };
}

/**
 * Every session created in one UTC hour, sorted by `created` (ids ascend with it).
 * Depends only on (seed, hour, sessionsPerDay).
 */
export function planBucket(seed: number, hour: number, sessionsPerDay: number = DEFAULT_SESSIONS_PER_DAY): SessionDraft[] {
  const r = new Rng(mixSeed(seed, hour, 0x5e55));
  const { mean, load } = expectedSessionsInHour(hour, sessionsPerDay);
  const count = Math.min(MAX_SESSIONS_PER_HOUR, r.poisson(mean));
  const hourStartUs = hour * HOUR_US;
  const createdTimes: number[] = new Array(count);
  for (let i = 0; i < count; i++) createdTimes[i] = ceilToDigits(hourStartUs + Math.floor(r.next() * HOUR_US), fractionDigits(r));
  createdTimes.sort((a, b) => a - b);
  const idBase = (hour - ID_EPOCH_HOUR) * IDS_PER_HOUR;
  const drafts: SessionDraft[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // Each session draws from its own stream so a change in one story never shifts the others.
    const sr = new Rng(mixSeed(seed, hour, i + 1));
    drafts[i] = new Planner(sr, idBase + i + 1, Math.min(createdTimes[i], hourStartUs + HOUR_US - 1), load).plan();
  }
  return drafts;
}

// ---------------------------------------------------------------------------------------------
// Rendering a draft as of `now`

/** The status a session shows at `now` (µs). */
function statusAt(d: SessionDraft, now: number): string {
  if (d.ended !== null && d.ended <= now) {
    if (d.closedAt <= now) return d.blacklisted ? 'BLACKLISTED' : 'CLOSED';
    return 'ACW';
  }
  if (d.started !== null && d.started <= now) {
    return d.guestAfterOperator && !(d.guestJoined !== null && d.guestJoined <= now) ? 'BCW' : 'ACTIVE';
  }
  if (d.firstAssign !== null && d.firstAssign <= now) return 'WAITING';
  if (d.routingStart !== null && d.routingStart <= now) return 'IN_QUEUE';
  if (d.chatbot !== null && d.chatbot.joined <= now) return 'ACTIVE';
  return 'CREATED';
}

// Routing entries name the same few operators and groups over and over: one frozen object each,
// shared by every session, keeps memory (and garbage collection) small. Frozen so that a consumer
// that edits a payload in place fails loudly instead of changing other sessions.
const OPERATOR_REFS = new Map(OPERATORS.map((o) => [o.userId, Object.freeze({ userId: o.userId, firstName: o.firstName, lastName: o.lastName })]));
const GROUP_REFS = new Map(GROUPS.map((g) => [g.id, Object.freeze({ id: g.id, name: g.name })]));

function operatorRef(userId: number | null) {
  return userId === null ? null : (OPERATOR_REFS.get(userId) ?? { userId, firstName: null, lastName: null });
}

function dropNulls(obj: Record<string, unknown>): void {
  for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
}

/** Renders a draft as `GET /Sessions/{id}` and `/routingHistory` would show it at `now` (µs since the epoch). */
export function buildSession(d: SessionDraft, now: number = END_OF_TIME_US): SimulatedSession {
  const style = d.style;
  const fmt = (t: number) => formatTimestamp(t, style === 0 ? 'local' : style === 1 ? 'utc' : Math.floor(t / 1000) % 3 === 0 ? 'utc' : 'local');
  const at = (t: number | null) => (t === null || t > now ? null : fmt(t));
  const seen = (t: number | null) => t !== null && t <= now;
  const ended = seen(d.ended);
  const created = fmt(d.created);

  const operators = [];
  for (const s of d.stints) {
    if (s.joined > now) continue;
    const o = OPERATOR_BY_ID.get(s.userId);
    const concluded = at(s.concluded);
    const note = concluded === null ? null : s.note;
    const op: Record<string, unknown> = {
      userId: s.userId, userName: o?.userName ?? null, firstName: o?.firstName ?? null, lastName: o?.lastName ?? null,
      joined: fmt(s.joined), left: at(s.left), concluded, feedbackResult: null, feedbackText: note, note,
    };
    if (d.omitNulls) dropNulls(op);
    operators.push(op);
  }

  const activities: Activity[] = [];
  for (let i = 0; i < d.activities.length; i++) {
    const a = d.activities[i];
    if (a.t > now) break; // sorted by time
    const item: Activity = { activityId: d.id * 100 + i, time: fmt(a.t), type: a.type, client: a.client, userId: a.userId, text: a.text };
    if (a.extra) Object.assign(item, a.extra);
    activities.push(item);
  }

  let recordings: SessionModel['recordings'] = null;
  let recordingsState: string | null = null;
  if (d.recordings.length && ended) {
    const processed = seen(d.recordingsProcessedAt);
    recordingsState = processed ? (d.recordingsFailed ? 'FailedToProcess' : 'Processed') : 'Processing';
    recordings = d.recordings.map((rec, i) => ({
      id: d.id * 10 + i, name: `rec_${d.id}_${i}.ogg`, started: fmt(rec.started), duration: formatDuration(rec.duration),
      type: rec.type, userId: rec.userId, serviceId: null,
      downloadUrl: processed && !d.recordingsFailed ? `https://sim.mluvii.invalid/recordings/${d.id * 10 + i}` : null,
      isUploading: !processed, isDeleted: false,
    }));
  }

  const feedback = d.feedback && seen(d.feedback.t) ? d.feedback : null;
  const waited =
    d.queueLeft !== null ? (seen(d.queueLeft) ? formatDuration(d.queueLeft - d.created) : null) : d.waitedZero && ended ? 'PT0S' : null;
  const session: SessionModel = {
    id: d.id,
    companyId: COMPANY_ID,
    departmentId: d.departmentId,
    guest: d.guest,
    channel: d.channel,
    source: d.source,
    status: statusAt(d, now),
    avSupport: d.avSupport,
    directCallNumber: d.directCallNumber,
    phoneCallbackNumber: d.phoneCallbackNumber,
    isDirectChat: d.isDirectChat,
    url: d.url,
    widget: d.widget,
    operators: operators as SessionModel['operators'],
    reviewers: [],
    enteredQueue: created,
    created,
    guestJoined: at(d.guestJoined),
    started: at(d.started),
    ended: at(d.ended),
    waited,
    length: ended && d.started !== null && d.ended !== null ? formatDuration(d.ended - d.started) : null,
    blacklisted: d.blacklisted && ended,
    phoneCallbackDialed: at(d.phoneCallbackDialed),
    activities,
    tags: d.tags.filter((t) => t.t <= now).map((t) => ({ userId: t.userId, name: t.name })),
    chatbots: d.chatbot && d.chatbot.joined <= now ? [{ chatbotId: CHATBOT.chatbotId, name: CHATBOT.name, joined: fmt(d.chatbot.joined), left: at(d.chatbot.left) }] : [],
    guestFeedbackStars: feedback?.stars ?? null,
    guestFeedbackScale: feedback?.scale ?? null,
    guestFeedbackText: feedback?.text ?? null,
    autoAccepted: d.autoAccepted,
    guestFeedbackCustomFields: null,
    recordings,
    recordingsState,
    guestLeftSession: ended ? d.guestLeft : 'StillConnected',
    outboundDialResult: d.dialResult === null ? null : seen(d.dialResultAt) ? d.dialResult : 'DIALING',
    campaignId: d.campaignId,
  };
  if (d.omitNulls) dropNulls(session);

  const routingHistory: RoutingTimeLine[] = [];
  for (const e of d.routing) {
    if (e.t > now) continue;
    routingHistory.push({
      routingRequestId: e.rr,
      timestamp: fmt(e.t),
      activityType: e.type,
      group: e.group ? (GROUP_REFS.get(e.group.id) ?? null) : null,
      phoneNumber: e.phone,
      operator: operatorRef(e.op),
      forwardedByOperator: operatorRef(e.forwardedBy),
      invitedByOperator: operatorRef(e.invitedBy),
    });
  }
  if (d.routingReversed) routingHistory.reverse();
  return { session, routingHistory };
}

/**
 * The sessions created in [from, to) that exist at `now` (default: far future, everything
 * concluded), sorted by `created`. Same seed and range → same sessions, and any range is a
 * consistent subset of a larger one.
 */
export function generateSessions(opts: { seed: number; from: Date; to: Date; now?: Date; sessionsPerDay?: number }): SimulatedSession[] {
  const fromUs = opts.from.getTime() * 1000;
  const toUs = opts.to.getTime() * 1000;
  const nowUs = opts.now ? opts.now.getTime() * 1000 : END_OF_TIME_US;
  const out: SimulatedSession[] = [];
  for (let h = hourOf(opts.from.getTime()); h * HOUR_MS < opts.to.getTime(); h++) {
    for (const d of planBucket(opts.seed, h, opts.sessionsPerDay)) {
      if (d.created >= fromUs && d.created < toUs && d.created <= nowUs) out.push(buildSession(d, nowUs));
    }
  }
  return out;
}

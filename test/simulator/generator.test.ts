import { describe, expect, it } from '@jest/globals';
import { CAMPAIGNS, PREVIEW_CAMPAIGN_IDS } from '../../src/simulator/catalog.js';
import { generateSessions, type SimulatedSession } from '../../src/simulator/generator.js';
import type { SessionModel } from '../../src/simulator/payloads.js';
import { parseDurationUs, parseTimestampUs, pragueOffsetViaIntl } from './iso-parse.js';

const DAY = 86_400_000;
// Monday 23 March 2026 00:00 Prague (+01:00) … Monday 30 March: a whole week across the spring DST change.
const WEEK_FROM = new Date('2026-03-22T23:00:00Z');
const WEEK_TO = new Date('2026-03-29T22:00:00Z');
const week = generateSessions({ seed: 11, from: WEEK_FROM, to: WEEK_TO });

const us = (s: string | null | undefined) => (s ? parseTimestampUs(s) : undefined);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;

function timestampsOf(x: SimulatedSession): string[] {
  const s = x.session;
  const out = [s.created, s.enteredQueue, s.guestJoined, s.started, s.ended, s.phoneCallbackDialed];
  for (const o of s.operators ?? []) out.push(o.joined, o.left, o.concluded);
  for (const a of s.activities ?? []) out.push(a.time);
  for (const e of x.routingHistory) out.push(e.timestamp);
  return out.filter((v): v is string => typeof v === 'string');
}

function localDay(s: SessionModel): string {
  const t = Date.parse(String(s.created));
  return new Date(t + (pragueOffsetViaIntl(t) === '+02:00' ? 2 : 1) * 3_600_000).toISOString().slice(0, 10);
}

describe('generateSessions: determinism', () => {
  it('the same seed and range give the same sessions; another seed does not', () => {
    const from = new Date('2026-03-03T00:00:00Z');
    const to = new Date(from.getTime() + DAY);
    const a = generateSessions({ seed: 5, from, to });
    expect(JSON.stringify(generateSessions({ seed: 5, from, to }))).toBe(JSON.stringify(a));
    expect(generateSessions({ seed: 6, from, to }).map((x) => x.session.id)).not.toEqual(a.map((x) => x.session.id));
  });

  it('any range is the matching subset of a larger one, at any boundary (not just whole hours)', () => {
    const big = generateSessions({ seed: 5, from: new Date('2026-03-03T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    const from = new Date('2026-03-03T07:13:20.5Z');
    const to = new Date('2026-03-04T15:47:01Z');
    const small = generateSessions({ seed: 5, from, to });
    const expected = big.filter((x) => {
      const t = us(x.session.created) as number;
      return t >= from.getTime() * 1000 && t < to.getTime() * 1000;
    });
    expect(small.length).toBeGreaterThan(100);
    expect(JSON.stringify(small)).toBe(JSON.stringify(expected));
  });

  it('ids are unique and ascend with created', () => {
    const ids = week.map((x) => Number(x.session.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < week.length; i++) {
      expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      expect(us(week[i].session.created) as number).toBeGreaterThanOrEqual(us(week[i - 1].session.created) as number);
    }
    expect(Math.max(...ids)).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });
});

describe('generateSessions: volume', () => {
  it('~400–700 sessions a weekday, fewer at weekends, business-hour peaks and quiet nights', () => {
    const perDay = new Map<string, number>();
    const perLocalHour = new Array(24).fill(0);
    for (const x of week) {
      perDay.set(localDay(x.session), (perDay.get(localDay(x.session)) ?? 0) + 1);
      perLocalHour[Number(String(x.session.created).slice(11, 13)) % 24] += String(x.session.created).endsWith('Z') ? 0 : 1;
    }
    const weekdays = ['2026-03-23', '2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27'].map((d) => perDay.get(d) ?? 0);
    for (const n of weekdays) expect(n).toBeGreaterThanOrEqual(400), expect(n).toBeLessThanOrEqual(700);
    for (const d of ['2026-03-28', '2026-03-29']) expect(perDay.get(d) ?? 0).toBeLessThan(Math.min(...weekdays) / 2);
    expect(perLocalHour[10]).toBeGreaterThan(10 * Math.max(1, perLocalHour[3]));
  });

  it('sessionsPerDay scales the volume', () => {
    const from = new Date('2026-03-03T00:00:00Z');
    const to = new Date(from.getTime() + 2 * DAY);
    const small = generateSessions({ seed: 2, from, to, sessionsPerDay: 100 }).length;
    const large = generateSessions({ seed: 2, from, to, sessionsPerDay: 2000 }).length;
    expect(large / small).toBeGreaterThan(15);
    expect(large / small).toBeLessThan(25);
  });
});

describe('generateSessions: the shapes of the public API docs', () => {
  it('timestamps: ISO 8601 with Prague offsets (DST-correct) mostly, Z sometimes, 0–7 fractional digits', () => {
    let local = 0;
    let utc = 0;
    const digits = new Set<number>();
    const bad: string[] = []; // collected, not expect()ed one by one: there are ~100k of them
    for (const x of week) {
      for (const t of timestampsOf(x)) {
        if (!TIMESTAMP.test(t)) bad.push(`${t}: not ISO 8601`);
        digits.add(/\.(\d+)/.exec(t)?.[1].length ?? 0);
        if (t.endsWith('Z')) utc += 1;
        else {
          local += 1;
          const offset = pragueOffsetViaIntl(Math.floor(parseTimestampUs(t) / 1000));
          if (t.slice(-6) !== offset) bad.push(`${t}: Prague is ${offset} then`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(local).toBeGreaterThan(3 * utc);
    expect(utc).toBeGreaterThan(0);
    expect([...digits].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('durations are ISO 8601 and agree with the timestamps: length = ended − started, waited = queue left − created', () => {
    let checkedWaited = 0;
    const forms = new Set<string>();
    for (const { session: s, routingHistory } of week) {
      if (s.length != null) {
        forms.add(s.length.startsWith('P1D') ? 'day' : 'time');
        expect(parseDurationUs(s.length)).toBe((us(s.ended) as number) - (us(s.started) as number));
      } else {
        expect(s.started == null || s.ended == null).toBe(true);
      }
      if (s.waited != null) {
        const w = parseDurationUs(s.waited);
        if (w === 0) forms.add('zero');
        if (routingHistory.some((e) => e.activityType === 'RoutingRequestCreated') && s.started) {
          expect(w).toBe((us(s.started) as number) - (us(s.created) as number));
          checkedWaited += 1;
        } else if (s.guestLeftSession === 'LeftQueue') {
          expect(w).toBe((us(s.ended) as number) - (us(s.created) as number));
        }
      }
      expect(s.enteredQueue).toBe(s.created);
    }
    expect(checkedWaited).toBeGreaterThan(1000);
    expect(forms.has('zero')).toBe(true);
    expect(forms.has('time')).toBe(true);
  });

  it('enums are the API spellings', () => {
    const values = (f: (s: SessionModel) => unknown) => new Set(week.map((x) => f(x.session)));
    expect(values((s) => s.channel)).toEqual(new Set(['Chat', 'Phone', 'AV']));
    for (const v of values((s) => s.status)) expect(['CLOSED', 'BLACKLISTED']).toContain(v);
    for (const v of values((s) => s.source)) expect(['Default', 'IncomingCall', 'OutgoingCall', 'Callback', 'Campaign', 'ChatInvitation', 'Invitation', 'WhatsApp']).toContain(v);
    for (const v of values((s) => s.guestLeftSession)) expect(['LeftQueue', 'LeftSession', 'LeftAfterSession', 'LeftBeforeQueue', 'UNKNOWN']).toContain(v);
    const types = new Set(week.flatMap((x) => x.routingHistory.map((e) => e.activityType)));
    for (const t of ['RoutingRequestCreated', 'EnteredGroupQueue', 'LeftGroupQueue', 'AssignedToOperator', 'OperatorTimeoutExpired', 'AcceptedByOperator',
      'ForwardedToUser', 'ForwardedToGroup', 'RoutingEnded', 'InvitedUser', 'GroupQueueTimeoutExpired']) {
      expect(types).toContain(t);
    }
  });
});

describe('generateSessions: the cases docs/metrics.md must handle', () => {
  const count = (f: (x: SimulatedSession) => boolean) => week.filter(f).length;
  const routing = (x: SimulatedSession, type: string) => x.routingHistory.filter((e) => e.activityType === type);
  const first = (x: SimulatedSession, type: string) => {
    const ts = routing(x, type).map((e) => us(e.timestamp) as number);
    return ts.length ? Math.min(...ts) : undefined;
  };

  it('inbound, outbound, callbacks, preview and predictive campaigns, chatbots', () => {
    expect(count((x) => x.session.source === 'OutgoingCall' && x.routingHistory.length === 0)).toBeGreaterThan(20);
    expect(count((x) => x.session.source === 'Callback' && x.session.phoneCallbackDialed != null)).toBeGreaterThan(10);
    expect(count((x) => PREVIEW_CAMPAIGN_IDS.includes(Number(x.session.campaignId)))).toBeGreaterThan(10);
    expect(count((x) => x.session.source === 'Campaign' && !PREVIEW_CAMPAIGN_IDS.includes(Number(x.session.campaignId)))).toBeGreaterThan(10);
    const unreadable = CAMPAIGNS.filter((c) => !c.mode).map((c) => c.id);
    expect(count((x) => unreadable.includes(Number(x.session.campaignId)))).toBeGreaterThan(0);
    expect(count((x) => (x.session.chatbots ?? []).length > 0 && x.routingHistory.length === 0)).toBeGreaterThan(10);
    expect(count((x) => (x.session.chatbots ?? []).length > 0 && x.routingHistory.length > 0)).toBeGreaterThan(10);
  });

  it('BCW positive: the guest joins after the operator (outbound, callbacks, previews, invitations)', () => {
    expect(count((x) => (us(x.session.guestJoined) ?? 0) > (us(x.session.started) ?? Infinity))).toBeGreaterThan(50);
  });

  it('operators who time out and appear only in the routing history; operators twice in operators[]', () => {
    expect(count((x) => routing(x, 'OperatorTimeoutExpired').some((e) => !(x.session.operators ?? []).some((o) => o.userId === e.operator?.userId)))).toBeGreaterThan(100);
    expect(count((x) => {
      const ids = (x.session.operators ?? []).map((o) => o.userId);
      return new Set(ids).size < ids.length;
    })).toBeGreaterThan(0);
    expect(count((x) => (x.session.operators ?? []).length > 1)).toBeGreaterThan(50);
  });

  it('a concurrent (invited) operator without left; guests who leave in the queue; states skipped', () => {
    expect(count((x) => (x.session.operators ?? []).some((o) => o.left == null && o.concluded != null))).toBeGreaterThan(5);
    expect(count((x) => x.session.guestLeftSession === 'LeftQueue' && first(x, 'AssignedToOperator') === undefined)).toBeGreaterThan(50);
    expect(count((x) => x.session.guestLeftSession === 'LeftQueue' && first(x, 'AssignedToOperator') !== undefined)).toBeGreaterThan(10);
    // Picked from the queue: accepted without ever being assigned (IN_QUEUE and WAITING are null).
    expect(count((x) => first(x, 'AcceptedByOperator') !== undefined && first(x, 'AssignedToOperator') === undefined && first(x, 'RoutingRequestCreated') !== undefined)).toBeGreaterThan(5);
    expect(count((x) => x.session.autoAccepted === true)).toBeGreaterThan(50);
  });

  it('small clock skews make a few formulas negative, rarely', () => {
    const negativeCreated = count((x) => (first(x, 'RoutingRequestCreated') ?? Infinity) < (us(x.session.created) as number));
    expect(negativeCreated).toBeGreaterThan(0);
    expect(negativeCreated).toBeLessThan(week.length * 0.02);
    const negativeAcw = count((x) => (x.session.operators ?? []).some((o) => o.left && o.concluded && (us(o.concluded) as number) < (us(o.left) as number)));
    expect(negativeAcw).toBeGreaterThan(0);
    expect(negativeAcw).toBeLessThan(week.length * 0.02);
  });

  it('null fields are sometimes omitted instead of null', () => {
    expect(count((x) => !('ended' in x.session) || !('campaignId' in x.session))).toBeGreaterThan(0);
  });
});

describe('generateSessions: sessions conclude as simulated time passes', () => {
  const day = generateSessions({ seed: 9, from: new Date('2026-03-03T08:00:00Z'), to: new Date('2026-03-03T12:00:00Z') });
  const at = (id: number, nowMs: number) =>
    generateSessions({ seed: 9, from: new Date('2026-03-03T08:00:00Z'), to: new Date('2026-03-03T12:00:00Z'), now: new Date(nowMs) }).find((x) => x.session.id === id);

  it('sessions created after now do not exist yet', () => {
    const mid = Date.parse('2026-03-03T10:00:00Z');
    const partial = generateSessions({ seed: 9, from: new Date('2026-03-03T08:00:00Z'), to: new Date('2026-03-03T12:00:00Z'), now: new Date(mid) });
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(day.length);
    expect(partial.every((x) => Date.parse(String(x.session.created)) <= mid)).toBe(true);
  });

  it('an operator in ACW: left but not concluded, status ACW; later CLOSED with everything', () => {
    const target = day.find((x) => (x.session.operators ?? []).some((o) => o.concluded && o.left && (us(o.concluded) as number) - (us(o.left) as number) > 5e6) && x.session.recordings == null && x.session.guestFeedbackStars == null);
    expect(target).toBeDefined();
    const t = target as SimulatedSession;
    const op = (t.session.operators ?? []).find((o) => o.concluded && o.left && (us(o.concluded) as number) - (us(o.left) as number) > 5e6)!;
    const duringAcw = Math.floor((us(op.left) as number) / 1000) + 1000;
    const then = at(Number(t.session.id), duringAcw)!;
    expect(then.session.status).not.toBe('CLOSED');
    const sameOp = (then.session.operators ?? []).find((o) => o.userId === op.userId && o.joined === op.joined)!;
    expect(sameOp.left).toBe(op.left);
    expect(sameOp.concluded).toBeNull();
    expect(JSON.stringify(at(Number(t.session.id), Date.parse('2026-03-10T00:00:00Z')))).toBe(JSON.stringify(t));
  });

  it('a session in the queue: no operators, no end, fewer routing events, a live status', () => {
    const target = day.find((x) => (first(x, 'AssignedToOperator') ?? 0) - (first(x, 'RoutingRequestCreated') ?? 0) > 10e6)!;
    expect(target).toBeDefined();
    const inQueue = Math.floor((first(target, 'RoutingRequestCreated') as number) / 1000) + 2000;
    const then = at(Number(target.session.id), inQueue)!;
    expect(then.session.status).toBe('IN_QUEUE');
    expect(then.session.ended).toBeNull();
    expect(then.session.length).toBeNull();
    expect(then.session.waited).toBeNull();
    expect(then.session.operators).toEqual([]);
    expect(then.session.guestLeftSession).toBe('StillConnected');
    expect(then.routingHistory.length).toBeLessThan(target.routingHistory.length);
  });

  function first(x: SimulatedSession, type: string): number | undefined {
    const ts = x.routingHistory.filter((e) => e.activityType === type).map((e) => us(e.timestamp) as number);
    return ts.length ? Math.min(...ts) : undefined;
  }
});

describe('generateSessions: speed', () => {
  it('generates thousands of sessions a second (for the transform benchmark), a few over a day long (P1DT…)', () => {
    const started = performance.now();
    let n = 0;
    let dayLong = 0;
    for (let d = 0; d < 2; d++) {
      const from = new Date(Date.UTC(2026, 0, 5 + d));
      const sessions = generateSessions({ seed: 1, from, to: new Date(from.getTime() + DAY), sessionsPerDay: 5000 });
      n += sessions.length;
      dayLong += sessions.filter((x) => String(x.session.length).startsWith('P1D')).length;
    }
    const ms = performance.now() - started;
    process.stdout.write(`generator: ${n} sessions in ${ms.toFixed(0)} ms (${Math.round((n / ms) * 1000)}/s)\n`);
    expect(n).toBeGreaterThan(8_000);
    expect(dayLong).toBeGreaterThan(0);
  });
});

/**
 * Property tests over generated sessions (fast-check). Each generated session carries its model:
 * every instant as exact µs (or "absent" / "garbage"), rendered with random offsets and 0–7
 * fractional digits. An oracle written here, independently of src/transform, computes what every
 * rule of docs/metrics.md says from the model; the transform must agree exactly, never produce a
 * negative duration, and give identical output when run again.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { transformSession } from '../../src/transform/index.js';
import type { SessionFacts } from '../../src/transform/types.js';

// ---- model ------------------------------------------------------------------------------------

/** An instant field: exact µs, absent (null/undefined), or present but unparseable. */
type Instant = { kind: 'ok'; us: number; text: string } | { kind: 'absent'; value: null | undefined } | { kind: 'bad'; value: unknown };
type Duration = { kind: 'ok'; us: number; text: string } | { kind: 'absent'; value: null | undefined } | { kind: 'bad'; value: unknown };

interface StintModel {
  userId: number | null;
  joined: Instant;
  left: Instant;
  concluded: Instant;
}

interface EventModel {
  type: string;
  userId: number | null;
  at: Instant;
}

interface SessionModelX {
  createdUs: number;
  createdText: string;
  guestJoined: Instant;
  started: Instant;
  length: Duration;
  waited: Duration;
  status: string | null;
  campaignId: number | null;
  stints: StintModel[];
  events: Array<EventModel | 'junk'>;
  container: 'array' | 'items' | 'data' | 'none';
}

const BASE_US = Date.UTC(2024, 2, 31, 0, 0, 0) * 1000; // a DST weekend in Europe: offsets differ

// ---- rendering (independent of the parser under test) -------------------------------------------

const OFFSETS = [
  { minutes: 0, text: 'Z' },
  { minutes: 0, text: '+00:00' },
  { minutes: 60, text: '+01:00' },
  { minutes: 120, text: '+02:00' },
  { minutes: 120, text: '+0200' },
  { minutes: -330, text: '-05:30' },
  { minutes: 345, text: '+05:45' },
];

/** The instant `us` written with an offset and `digits` fractional digits; `us` must fit them. */
function renderInstant(us: number, offsetIndex: number, digits: number, seventh: number): string {
  const { minutes, text } = OFFSETS[offsetIndex];
  const local = us + minutes * 60_000_000;
  const sub = ((local % 1e6) + 1e6) % 1e6;
  const wall = new Date((local - sub) / 1000).toISOString().slice(0, 19);
  if (digits === 0) return `${wall}${text}`;
  const six = String(sub).padStart(6, '0');
  const fraction = digits <= 6 ? six.slice(0, digits) : `${six}${seventh}`;
  return `${wall}.${fraction}${text}`;
}

/**
 * An instant at `offsetUs` after BASE_US (+ created), exact in the model. With 7 digits the 7th is
 * chosen so Postgres-style rounding lands on the model value without ties: d ≤ 4 rounds down; for
 * d ≥ 6 the printed µs is one less and rounds up.
 */
const instantAt = (anchorUs: number, offsetUs: number, offsetIndex: number, digits: number, seventh: number): Instant => {
  const scale = digits >= 6 ? 1 : 10 ** (6 - digits);
  const us = anchorUs + Math.round(offsetUs / scale) * scale;
  if (digits === 7 && seventh >= 6) return { kind: 'ok', us, text: renderInstant(us - 1, offsetIndex, 7, seventh) };
  return { kind: 'ok', us, text: renderInstant(us, offsetIndex, digits, seventh) };
};

const GARBAGE: unknown[] = ['', 'garbage', '2024-03-31T08:00:00', '2024-03-31 08:00:00Z', '0001-01-01T00:00:00+00:00', 1711872000, true, {}];

function instantArb(anchorUs: number, minSeconds: number, maxSeconds: number): fc.Arbitrary<Instant> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.integer({ min: minSeconds * 1e6, max: maxSeconds * 1e6 }), fc.nat(OFFSETS.length - 1), fc.nat(7), fc.constantFrom(0, 3, 4, 6, 9)).map(([o, off, d, s]) => instantAt(anchorUs, o, off, d, s)) },
    { weight: 2, arbitrary: fc.constantFrom<Instant>({ kind: 'absent', value: null }, { kind: 'absent', value: undefined }) },
    { weight: 1, arbitrary: fc.constantFrom(...GARBAGE).map((value): Instant => ({ kind: 'bad', value })) },
  );
}

/** An ISO 8601 duration of exactly `us` µs, split into days/hours/minutes/seconds at random. */
function renderDuration(us: number, split: number, digits: number): string {
  const sign = us < 0 ? '-' : '';
  const abs = Math.abs(us);
  const micros = abs % 1e6;
  let secs = (abs - micros) / 1e6;
  let out = 'P';
  if (split >= 3 && secs >= 86400) {
    out += `${Math.floor(secs / 86400)}D`;
    secs %= 86400;
  }
  let time = '';
  if (split >= 2 && secs >= 3600) {
    time += `${Math.floor(secs / 3600)}H`;
    secs %= 3600;
  }
  if (split >= 1 && secs >= 60) {
    time += `${Math.floor(secs / 60)}M`;
    secs %= 60;
  }
  if (secs > 0 || micros > 0 || time === '') {
    const frac = micros === 0 && digits === 0 ? '' : `.${String(micros).padStart(6, '0')}${digits === 7 ? '0' : ''}`;
    time += `${secs}${frac}S`;
  }
  return `${sign}${out}T${time}`;
}

function durationArb(): fc.Arbitrary<Duration> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.integer({ min: -5e6, max: 200_000e6 }), fc.nat(3), fc.constantFrom(0, 6, 7)).map(([us, split, d]): Duration => ({ kind: 'ok', us: us === 0 ? 0 : us, text: renderDuration(us, split, d) })) },
    { weight: 1, arbitrary: fc.constant<Duration>({ kind: 'ok', us: 0, text: 'PT0S' }) },
    { weight: 2, arbitrary: fc.constantFrom<Duration>({ kind: 'absent', value: null }, { kind: 'absent', value: undefined }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('00:01:02', 'P1Y', 'PT', 62, '').map((value): Duration => ({ kind: 'bad', value })) },
  );
}

const TYPES = ['RoutingRequestCreated', 'AssignedToOperator', 'AcceptedByOperator', 'OperatorTimeoutExpired', 'EnteredGroupQueue', 'RoutingEnded', 'SomethingNew'];
const USERS = [1, 2, 3, null];

function sessionArb(): fc.Arbitrary<SessionModelX> {
  return fc.integer({ min: 0, max: 3 * 86400 }).chain((createdSeconds) => {
    const createdUs = BASE_US + createdSeconds * 1e6;
    const near = (min: number, max: number) => instantArb(createdUs, min, max);
    return fc.record({
      createdUs: fc.constant(createdUs),
      createdText: fc.tuple(fc.nat(OFFSETS.length - 1)).map(([off]) => renderInstant(createdUs, off, 0, 0)),
      guestJoined: near(-2, 60),
      started: near(-2, 120),
      length: durationArb(),
      waited: durationArb(),
      status: fc.constantFrom('CLOSED', 'CLOSED', 'closed', 'BLACKLISTED', 'ACTIVE', 'ACW', 'Weird', null),
      campaignId: fc.constantFrom(null, null, null, 501, 502, 503, 504),
      stints: fc.array(fc.record({ userId: fc.constantFrom(...USERS), joined: near(0, 200), left: near(0, 1000), concluded: near(0, 1200) }), { maxLength: 4 }),
      events: fc.array(
        fc.oneof(
          { weight: 12, arbitrary: fc.record({ type: fc.constantFrom(...TYPES), userId: fc.constantFrom(...USERS), at: near(-3, 300) }) },
          { weight: 1, arbitrary: fc.constant<'junk'>('junk') },
        ),
        { maxLength: 12 },
      ),
      container: fc.constantFrom<SessionModelX['container']>('array', 'array', 'items', 'data', 'none'),
    });
  });
}

const MODES: Record<number, string | undefined> = { 501: 'Preview', 502: 'Progressive', 503: 'unknown', 504: undefined };
const campaignMode = (id: number) => MODES[id];

const field = (i: Instant | Duration): unknown => (i.kind === 'ok' ? i.text : i.value);

function render(m: SessionModelX): { payload: Record<string, unknown>; routingHistory: unknown } {
  const payload: Record<string, unknown> = {
    id: 42,
    created: m.createdText,
    guestJoined: field(m.guestJoined),
    started: field(m.started),
    length: field(m.length),
    waited: field(m.waited),
    status: m.status,
    campaignId: m.campaignId,
    operators: m.stints.map((s) => ({ userId: s.userId, joined: field(s.joined), left: field(s.left), concluded: field(s.concluded) })),
  };
  const list = m.events.map((e) =>
    e === 'junk' ? 'junk' : { routingRequestId: 1, timestamp: field(e.at), activityType: e.type, operator: e.userId === null ? null : { userId: e.userId, firstName: 'F', lastName: 'L' } },
  );
  const routingHistory = m.container === 'array' ? list : m.container === 'none' ? (m.events.length ? list : undefined) : { [m.container]: list };
  return { payload, routingHistory };
}

// ---- oracle -----------------------------------------------------------------------------------

/** M-0.1 with BigInt on the exact µs: a non-negative difference → seconds with 3 decimals. */
const round = (us: number) => Number((BigInt(us) + 500n) / 1000n) / 1000;
const okUs = (i: Instant) => (i.kind === 'ok' ? i.us : undefined);
const present = (i: Instant) => i.kind !== 'absent';

/** NULL when an input is missing; also NULL when negative (and then the flag is expected). */
function diff(a: number | undefined, b: number | undefined): { value: number | null; negative: boolean } {
  if (a === undefined || b === undefined) return { value: null, negative: false };
  const d = a - b;
  return d < 0 ? { value: null, negative: true } : { value: round(d), negative: false };
}

function durationValue(d: Duration): { value: number | null; negative: boolean } {
  if (d.kind !== 'ok') return { value: null, negative: false };
  return d.us < 0 ? { value: null, negative: true } : { value: round(d.us), negative: false };
}

function first(m: SessionModelX, type: string, userId?: number): number | undefined {
  let best: number | undefined;
  for (const e of m.events) {
    if (e === 'junk' || e.type !== type || (userId !== undefined && e.userId !== userId)) continue;
    const us = okUs(e.at);
    if (us !== undefined && (best === undefined || us < best)) best = us;
  }
  return best;
}

function oracle(m: SessionModelX) {
  const rrc = first(m, 'RoutingRequestCreated');
  const assigned = first(m, 'AssignedToOperator');
  const accepted = first(m, 'AcceptedByOperator');
  const acwRunning = m.stints.some((s) => present(s.left) && !present(s.concluded));
  const maxOf = (xs: Array<number | undefined>) => xs.reduce<number | undefined>((a, x) => (x === undefined ? a : a === undefined || x > a ? x : a), undefined);
  const maxLeft = maxOf(m.stints.map((s) => okUs(s.left)));
  const maxConcluded = maxOf(m.stints.map((s) => okUs(s.concluded)));
  const gj = okUs(m.guestJoined);
  const st = okUs(m.started);
  const bcwRaw = gj !== undefined && st !== undefined ? gj - st : undefined;
  const mode = m.campaignId === null ? 'none' : MODES[m.campaignId];
  const ringApplies = m.campaignId === null || (mode !== undefined && mode !== 'unknown' && mode !== 'Preview');
  const complete = (m.status === 'CLOSED' || m.status === 'closed' || m.status === 'BLACKLISTED') && !acwRunning;

  const durations = {
    created: diff(rrc, m.createdUs),
    in_queue: diff(assigned, rrc),
    waiting: diff(accepted, assigned),
    bcw: { value: bcwRaw !== undefined && bcwRaw > 0 ? round(bcwRaw) : null, negative: false },
    active: durationValue(m.length),
    acw: acwRunning ? { value: null, negative: false } : diff(maxConcluded, maxLeft),
    ring: ringApplies ? diff(gj, m.createdUs) : { value: null, negative: false },
    waited: durationValue(m.waited),
    answer: diff(accepted, rrc),
  };

  const userIds = new Set<number>();
  for (const s of m.stints) if (s.userId !== null) userIds.add(s.userId);
  for (const e of m.events) if (e !== 'junk' && e.userId !== null) userIds.add(e.userId);
  const operators = [...userIds].sort((a, b) => a - b).map((userId) => {
    const mine = m.stints.filter((s) => s.userId === userId);
    const sum = (pick: (s: StintModel) => [number | undefined, number | undefined]) => {
      let total = 0;
      let n = 0;
      for (const s of mine) {
        const [a, b] = pick(s);
        if (a !== undefined && b !== undefined && a - b >= 0) {
          total += a - b;
          n++;
        }
      }
      return n === 0 ? null : round(total);
    };
    const count = (type: string) => m.events.filter((e) => e !== 'junk' && e.type === type && e.userId === userId).length;
    return {
      user_id: userId,
      stints: mine.length,
      queue_s: diff(first(m, 'AcceptedByOperator', userId), first(m, 'AssignedToOperator', userId)).value,
      active_s: sum((s) => [okUs(s.left), okUs(s.joined)]),
      acw_s: sum((s) => [okUs(s.concluded), okUs(s.left)]),
      offers: count('AssignedToOperator'),
      missed: count('OperatorTimeoutExpired'),
    };
  });
  return { durations, complete, operators };
}

// ---- properties -------------------------------------------------------------------------------

function run(m: SessionModelX): SessionFacts {
  const { payload, routingHistory } = render(m);
  const result = transformSession({ payload, routingHistory, campaignMode });
  if (result.kind !== 'facts') throw new Error(`unexpected reject: ${result.reason}`);
  return result.facts;
}

/** Fixed seed so CI is repeatable; FC_SEED=<n> explores other sessions. */
const RUNS = { numRuns: 1000, seed: Number(process.env.FC_SEED ?? 20261124) };

describe('transform properties over generated sessions', () => {
  it('no duration is ever negative (nor -0), in sessions, states and operator rows (M-0.2)', () => {
    fc.assert(
      fc.property(sessionArb(), (m) => {
        const f = run(m);
        const s = f.session;
        const values = [s.created_s, s.in_queue_s, s.waiting_s, s.bcw_s, s.active_s, s.acw_s, s.ring_s, s.waited_s, s.answer_s];
        for (const o of f.operators) values.push(o.queue_s, o.active_s, o.acw_s);
        for (const st of f.states) values.push(st.duration_s);
        for (const v of values) {
          if (v === null) continue;
          expect(v >= 0 && !Object.is(v, -0)).toBe(true);
          expect(Math.round(v * 1000) / 1000).toBe(v); // at most 3 decimals (M-0.1)
        }
      }),
      RUNS,
    );
  });

  it('every duration is NULL exactly when its rule says so, and otherwise has the exact value; negative → flag', () => {
    fc.assert(
      fc.property(sessionArb(), (m) => {
        const f = run(m);
        const want = oracle(m);
        const s = f.session;
        expect({
          created_s: s.created_s, in_queue_s: s.in_queue_s, waiting_s: s.waiting_s, bcw_s: s.bcw_s, active_s: s.active_s,
          acw_s: s.acw_s, ring_s: s.ring_s, waited_s: s.waited_s, answer_s: s.answer_s,
        }).toEqual({
          created_s: want.durations.created.value, in_queue_s: want.durations.in_queue.value, waiting_s: want.durations.waiting.value,
          bcw_s: want.durations.bcw.value, active_s: want.durations.active.value, acw_s: want.durations.acw.value,
          ring_s: want.durations.ring.value, waited_s: want.durations.waited.value, answer_s: want.durations.answer.value,
        });
        for (const [metric, d] of Object.entries(want.durations)) {
          expect([metric, s.quality_flags.includes(`negative_${metric}`)]).toEqual([metric, d.negative]);
        }
        expect(s.is_complete).toBe(want.complete);
        expect(s.skipped_states === null).toBe(!want.complete);
        expect(f.operators.map((o) => ({ user_id: o.user_id, stints: o.stints, queue_s: o.queue_s, active_s: o.active_s, acw_s: o.acw_s, offers: o.offers, missed: o.missed }))).toEqual(want.operators);
        // States: exactly the non-NULL ones, in order.
        const states = [['CREATED', s.created_s], ['IN_QUEUE', s.in_queue_s], ['WAITING', s.waiting_s], ['BCW', s.bcw_s], ['ACTIVE', s.active_s], ['ACW', s.acw_s]];
        expect(f.states.map((x) => [x.state, x.duration_s])).toEqual(states.filter(([, v]) => v !== null));
        // Routing events: sorted by instant, bad ones last, seq 1…n, flags sorted and unique.
        const times = f.routingEvents.map((e) => e.event_at);
        const firstNull = times.indexOf(null);
        if (firstNull >= 0) expect(times.slice(firstNull).every((x) => x === null)).toBe(true);
        expect(f.routingEvents.map((e) => e.seq)).toEqual(f.routingEvents.map((_, i) => i + 1));
        expect(s.quality_flags).toEqual([...new Set(s.quality_flags)].sort());
      }),
      RUNS,
    );
  });

  it('re-running the transform on the same input gives identical output, and the input is untouched', () => {
    fc.assert(
      fc.property(sessionArb(), (m) => {
        const input = render(m);
        const before = JSON.stringify(input);
        const a = transformSession({ ...input, campaignMode });
        const b = transformSession({ ...input, campaignMode });
        const c = transformSession({ payload: structuredClone(input.payload), routingHistory: structuredClone(input.routingHistory), campaignMode });
        expect(JSON.stringify(input)).toBe(before);
        expect(b).toEqual(a);
        expect(JSON.stringify(c)).toBe(JSON.stringify(a));
      }),
      { ...RUNS, numRuns: 500 },
    );
  });

  it('never throws, whatever the payload and routing history are', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (payload, routingHistory) => {
        const r = transformSession({ payload, routingHistory, campaignMode });
        expect(r.kind === 'facts' || r.kind === 'reject').toBe(true);
        if (r.kind === 'reject') expect(r.reason).toMatch(/^(not_object|missing_id|bad_created): /);
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });
});

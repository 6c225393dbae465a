/**
 * docs/metrics.md "Worked example", on the full-precision payloads of the public API docs.
 */
import { describe, expect, it } from '@jest/globals';
import { transformSession } from '../../src/transform/index.js';
import type { SessionFacts } from '../../src/transform/types.js';
import { workedRouting, workedSession } from './fixtures/worked-example.js';

function worked(): SessionFacts {
  const result = transformSession({ payload: workedSession(), routingHistory: workedRouting(), campaignMode: () => undefined });
  if (result.kind !== 'facts') throw new Error(result.reason);
  return result.facts;
}

describe('docs/metrics.md worked example (session 7400123)', () => {
  it('session durations: created 0.124 · in_queue 6.488 · waiting 21.75 · bcw NULL · active 820.715 · acw 162.873 · ring 0.013', () => {
    const { session } = worked();
    expect(session).toEqual({
      session_id: 7400123,
      company_id: 1,
      department_id: 62,
      channel: 'Chat',
      source: 'Default',
      status: 'CLOSED',
      campaign_id: null,
      campaign_mode: null,
      guest_left_session: 'LeftSession',
      termination_reason: 'GuestLeft',
      auto_accepted: false,
      is_direct_chat: false,
      widget: 'Web CZ',
      created_at: '2024-05-02T08:58:58.888364+02:00',
      guest_joined_at: '2024-05-02T08:58:58.901234+02:00',
      started_at: '2024-05-02T08:59:27.250000+02:00',
      ended_at: '2024-05-02T09:13:07.965191+02:00',
      first_routing_at: '2024-05-02T08:58:59.012345+02:00',
      first_assigned_at: '2024-05-02T08:59:05.500000+02:00',
      first_accepted_at: '2024-05-02T08:59:27.250000+02:00',
      created_s: 0.124, // 0.123981
      in_queue_s: 6.488, // 6.487655
      waiting_s: 21.75,
      bcw_s: null, // −28.348766 ≤ 0 (M-BCW-2), no flag
      active_s: 820.715, // PT13M40.715191S
      acw_s: 162.873, // 162.872865
      ring_s: 0.013, // 0.012870
      waited_s: 28.362, // PT28.361636S
      answer_s: 28.238, // 28.237655
      is_offered: true,
      is_accepted: true,
      skipped_states: ['BCW'],
      quality_flags: [],
      is_complete: true,
    });
  });

  it('state rows: the five states it passed through', () => {
    expect(worked().states.map((s) => [s.state, s.duration_s])).toEqual([
      ['CREATED', 0.124],
      ['IN_QUEUE', 6.488],
      ['WAITING', 21.75],
      ['ACTIVE', 820.715],
      ['ACW', 162.873],
    ]);
  });

  it('operator 4: queue 6.25, active 820.715, acw 162.873, offers 1, missed 0; operator 2710: NULLs, offers 1, missed 1', () => {
    expect(worked().operators).toEqual([
      {
        session_id: 7400123,
        user_id: 4,
        user_name: 'petr.svoboda',
        first_name: 'Petr',
        last_name: 'Svoboda',
        joined_at: '2024-05-02T08:59:27.250000+02:00',
        left_at: '2024-05-02T09:13:07.965191+02:00',
        concluded_at: '2024-05-02T09:15:50.838056+02:00',
        stints: 1,
        queue_s: 6.25,
        active_s: 820.715,
        acw_s: 162.873,
        offers: 1,
        missed: 0,
      },
      {
        session_id: 7400123,
        user_id: 2710,
        user_name: null,
        first_name: 'Jana',
        last_name: 'Nováková',
        joined_at: null,
        left_at: null,
        concluded_at: null,
        stints: 0,
        queue_s: null, // the FAQ formula would say 21.75 (M-OP-QUEUE refined)
        active_s: null,
        acw_s: null,
        offers: 1,
        missed: 1,
      },
    ]);
  });

  it('routing events: eight, in API order (already sorted), seq 1–8', () => {
    const events = worked().routingEvents;
    expect(events.map((e) => [e.seq, e.activity_type, e.operator_user_id, e.group_id])).toEqual([
      [1, 'RoutingRequestCreated', null, null],
      [2, 'EnteredGroupQueue', null, 7299],
      [3, 'AssignedToOperator', 2710, 7299],
      [4, 'OperatorTimeoutExpired', 2710, null],
      [5, 'AssignedToOperator', 4, 7299],
      [6, 'AcceptedByOperator', 4, null],
      [7, 'LeftGroupQueue', null, 7299],
      [8, 'RoutingEnded', null, null],
    ]);
    expect(events.every((e) => e.session_id === 7400123 && e.routing_request_id === 5550001)).toBe(true);
  });

  it('the same numbers when every instant is written in UTC with Z and 7 digits (M-0.4)', () => {
    const toUtc7 = (s: string) => s.replace(/^2024-05-02T(\d\d)(:\d\d:\d\d\.\d{6})\+02:00$/, (_m, h: string, rest: string) => `2024-05-02T${String(Number(h) - 2).padStart(2, '0')}${rest}0Z`);
    const session = workedSession();
    for (const key of ['created', 'guestJoined', 'started', 'ended'] as const) session[key] = toUtc7(session[key] as string);
    for (const op of session.operators ?? []) for (const key of ['joined', 'left', 'concluded'] as const) op[key] = toUtc7(op[key] as string);
    const routing = workedRouting().map((e) => ({ ...e, timestamp: toUtc7(e.timestamp as string) }));
    expect(session.created).toBe('2024-05-02T06:58:58.8883640Z');
    const result = transformSession({ payload: session, routingHistory: routing, campaignMode: () => undefined });
    if (result.kind !== 'facts') throw new Error(result.reason);
    const s = result.facts.session;
    expect([s.created_s, s.in_queue_s, s.waiting_s, s.bcw_s, s.active_s, s.acw_s, s.ring_s]).toEqual([0.124, 6.488, 21.75, null, 820.715, 162.873, 0.013]);
    expect(result.facts.operators.map((o) => [o.user_id, o.queue_s, o.active_s, o.acw_s, o.offers, o.missed])).toEqual([
      [4, 6.25, 820.715, 162.873, 1, 0],
      [2710, null, null, null, 1, 1],
    ]);
  });
});

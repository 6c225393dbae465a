/**
 * docs/metrics.md "Conventions" (M-0.1 … M-0.6) at the level of a whole session, and the pass-through
 * columns of core.sessions.
 */
import { describe, expect, it } from '@jest/globals';
import { transformSession } from '../../src/transform/index.js';
import { event, facts, noCampaigns, plainRouting, plainSession, t } from './fixtures/build.js';

describe('M-0.1 … M-0.6 on whole sessions', () => {
  it('M-0.1 differences are exact to the µs before rounding to ms (0.0125 s → 0.013)', () => {
    const { session } = facts({ session: { guestJoined: t(0.0125) }, routing: [event('RoutingRequestCreated', 0.0005)] });
    expect([session.ring_s, session.created_s]).toEqual([0.013, 0.001]);
  });

  it('M-0.2 equal instants give 0, a missing one gives NULL', () => {
    const { session } = facts({ session: { guestJoined: t(0) }, routing: [event('RoutingRequestCreated', 0), event('AssignedToOperator', 0, 7)] });
    expect([session.ring_s, session.created_s, session.in_queue_s, session.waiting_s]).toEqual([0, 0, 0, null]);
  });

  it('M-0.3 every negative formula is NULL and flagged, nothing is clamped', () => {
    const { session, states } = facts({
      session: { guestJoined: t(-1), waited: '-PT1S', length: '-PT1S', operators: [{ userId: 7, joined: t(30), left: t(90), concluded: t(80) }] },
      routing: [event('AcceptedByOperator', -3, 7), event('AssignedToOperator', -2, 7), event('RoutingRequestCreated', -1)],
    });
    expect([session.created_s, session.in_queue_s, session.waiting_s, session.active_s, session.acw_s, session.ring_s, session.waited_s, session.answer_s]).toEqual([
      null, null, null, null, null, null, null, null,
    ]);
    expect(states).toEqual([]);
    expect(session.quality_flags).toEqual([
      'negative_active',
      'negative_acw',
      'negative_answer',
      'negative_created',
      'negative_in_queue',
      'negative_operator_acw',
      'negative_operator_queue',
      'negative_ring',
      'negative_waited',
      'negative_waiting',
    ]);
  });

  it('M-0.4 instants with different offsets, Z and 0–7 digits are compared as instants', () => {
    const { session } = facts({
      session: { created: '2024-05-02T06:00:00Z', guestJoined: '2024-05-02T08:00:01.5+02:00', started: '2024-05-02T03:00:30.0000000-03:00' },
      routing: [event('RoutingRequestCreated', '2024-05-02T07:00:00.25+01:00'), event('AssignedToOperator', '2024-05-02T06:00:10.1234567Z', 7), event('AcceptedByOperator', t(30), 7)],
    });
    expect([session.ring_s, session.created_s, session.in_queue_s, session.waiting_s]).toEqual([1.5, 0.25, 9.873, 19.877]);
    // The original strings are what Postgres gets (it keeps the µs).
    expect([session.created_at, session.guest_joined_at, session.started_at, session.first_assigned_at]).toEqual([
      '2024-05-02T06:00:00Z',
      '2024-05-02T08:00:01.5+02:00',
      '2024-05-02T03:00:30.0000000-03:00',
      '2024-05-02T06:00:10.1234567Z',
    ]);
  });

  it('M-0.4 a present but unparseable instant is treated as missing, stored NULL, flagged bad_<field>', () => {
    const { session } = facts({ session: { guestJoined: 'n/a', started: 17 as never, ended: '2024-05-02T09:00:00' } });
    expect([session.guest_joined_at, session.started_at, session.ended_at, session.ring_s]).toEqual([null, null, null, null]);
    expect(session.quality_flags).toEqual(['bad_ended', 'bad_guest_joined', 'bad_started']);
  });

  it('M-0.6 unknown enum values are kept as text and never fail a session', () => {
    const { session } = facts({ session: { channel: 'Hologram', source: 'Telepathy', status: 'CLOSED', guestLeftSession: 'LeftToTheMoon' } });
    expect([session.channel, session.source, session.guest_left_session, session.quality_flags]).toEqual(['Hologram', 'Telepathy', 'LeftToTheMoon', []]);
  });
});

describe('pass-through columns of core.sessions', () => {
  it('termination_reason comes from the SessionEnded activity (the last one when several)', () => {
    const activities = [
      { type: 'ChatMessage', text: 'hi' },
      { type: 'SessionEnded', terminationReason: 'OperatorLeft' },
      { type: 'ChatMessage', text: 'still there?' },
      { type: 'SessionEnded', terminationReason: 'GuestLeft' },
      { type: 'ChatMessage', text: 'after' },
    ];
    expect(facts({ session: { activities } }).session.termination_reason).toBe('GuestLeft');
    expect(facts({ session: { activities: [{ type: 'sessionended', terminationReason: 'SingleUseSession' }] } }).session.termination_reason).toBe('SingleUseSession');
    expect(facts({ session: { activities: [{ type: 'ChatMessage' }, null as never] } }).session.termination_reason).toBeNull();
    expect(facts({ session: { activities: undefined } }).session.termination_reason).toBeNull();
  });

  it('ids, booleans and strings of the wrong type read as NULL', () => {
    const { session } = facts({ session: { companyId: '1' as never, departmentId: 62.5, autoAccepted: 'yes' as never, isDirectChat: true, widget: 5 as never, campaignId: 'c1' as never } });
    expect([session.company_id, session.department_id, session.auto_accepted, session.is_direct_chat, session.widget, session.campaign_id]).toEqual([null, null, null, true, null, null]);
  });

  it('the transform does not touch its input and gives equal output for equal input', () => {
    const payload = plainSession({ operators: [{ userId: 7, joined: t(30), left: t(90), concluded: t(100) }, { userId: 7, joined: t(95), left: t(99), concluded: t(101) }] });
    const routing = [...plainRouting()].reverse();
    const before = JSON.stringify([payload, routing]);
    const first = transformSession({ payload, routingHistory: routing, campaignMode: noCampaigns });
    const second = transformSession({ payload: structuredClone(payload), routingHistory: structuredClone(routing), campaignMode: noCampaigns });
    expect(JSON.stringify([payload, routing])).toBe(before);
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });
});

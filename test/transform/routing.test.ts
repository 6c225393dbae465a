/**
 * M-0.5: routing events sorted by timestamp (stable), numbered from 1, "first X" across all
 * routing requests; plus the container of the routingHistory response.
 */
import { describe, expect, it } from '@jest/globals';
import { QualityFlags, unwrapRoutingHistory } from '../../src/transform/index.js';
import { event, facts, t } from './fixtures/build.js';

const order = (routing: unknown) => facts({ routing }).routingEvents.map((e) => [e.seq, e.activity_type, e.event_at]);

describe('M-0.5 routing events: sorted by timestamp, stable, seq from 1', () => {
  it('M-0.5 an already sorted history keeps its order', () => {
    expect(order([event('RoutingRequestCreated', 0.5), event('EnteredGroupQueue', 0.6), event('AssignedToOperator', 10, 7)])).toEqual([
      [1, 'RoutingRequestCreated', t(0.5)],
      [2, 'EnteredGroupQueue', t(0.6)],
      [3, 'AssignedToOperator', t(10)],
    ]);
  });

  it('M-0.5 an unsorted history is sorted ascending', () => {
    expect(order([event('AcceptedByOperator', 30, 7), event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 10, 7)])).toEqual([
      [1, 'RoutingRequestCreated', t(0.5)],
      [2, 'AssignedToOperator', t(10)],
      [3, 'AcceptedByOperator', t(30)],
    ]);
  });

  it('M-0.5 ties keep the API order (stable), also after a real sort', () => {
    expect(order([event('RoutingEnded', 40), event('AcceptedByOperator', 30, 7), event('LeftGroupQueue', 30), event('RoutingRequestCreated', 0.5)])).toEqual([
      [1, 'RoutingRequestCreated', t(0.5)],
      [2, 'AcceptedByOperator', t(30)],
      [3, 'LeftGroupQueue', t(30)],
      [4, 'RoutingEnded', t(40)],
    ]);
  });

  it('M-0.5 sorts by the instant, not the text: offsets differ between events', () => {
    // 08:00:10+02:00 is 06:00:10Z; 07:00:05+01:00 is 06:00:05Z.
    expect(order([event('AssignedToOperator', '2024-05-02T08:00:10+02:00', 7), event('RoutingRequestCreated', '2024-05-02T07:00:05+01:00')]).map((r) => r[1])).toEqual([
      'RoutingRequestCreated',
      'AssignedToOperator',
    ]);
  });

  it('M-0.5 events with unparseable timestamps go last, in API order, with event_at NULL and a flag', () => {
    const { routingEvents, session } = facts({
      routing: [event('InvitedUser', 'x', 9), event('AssignedToOperator', 10, 7), event('UNKNOWN', null), event('RoutingRequestCreated', 0.5), 'not an event', 42],
    });
    expect(routingEvents.map((e) => [e.seq, e.activity_type, e.event_at])).toEqual([
      [1, 'RoutingRequestCreated', t(0.5)],
      [2, 'AssignedToOperator', t(10)],
      [3, 'InvitedUser', null],
      [4, 'UNKNOWN', null],
    ]);
    expect(session.quality_flags).toEqual(['bad_routing_event']);
  });

  it('M-0.5 "first X" is across all routing requests (a forward starts a new one)', () => {
    const { session } = facts({
      routing: [
        event('RoutingRequestCreated', 40, undefined, { routingRequestId: 2 }),
        event('AssignedToOperator', 41, 9, { routingRequestId: 2 }),
        event('RoutingRequestCreated', 0.5),
        event('AssignedToOperator', 10, 7),
        event('AcceptedByOperator', 30, 7),
      ],
    });
    expect([session.first_routing_at, session.first_assigned_at, session.first_accepted_at]).toEqual([t(0.5), t(10), t(30)]);
    expect([session.created_s, session.in_queue_s, session.waiting_s]).toEqual([0.5, 9.5, 20]);
  });

  it('routing event rows carry every id the event has', () => {
    const { routingEvents } = facts({
      routing: [
        event('ForwardedToUser', 60, 9, { routingRequestId: 77, group: { id: 3, name: 'Sales' }, forwardedByOperator: { userId: 7 } }),
        event('InvitedUser', 61, 10, { routingRequestId: null, invitedByOperator: { userId: 7 } }),
      ],
    });
    expect(routingEvents).toEqual([
      { session_id: 1001, seq: 1, routing_request_id: 77, event_at: t(60), activity_type: 'ForwardedToUser', group_id: 3, group_name: 'Sales', operator_user_id: 9, forwarded_by_user_id: 7, invited_by_user_id: null },
      { session_id: 1001, seq: 2, routing_request_id: null, event_at: t(61), activity_type: 'InvitedUser', group_id: null, group_name: null, operator_user_id: 10, forwarded_by_user_id: null, invited_by_user_id: 7 },
    ]);
  });

  it('M-0.6 unknown activity types are kept as text and ignored by the rules; casing drift still counts', () => {
    const { routingEvents, session } = facts({
      routing: [event('ROUTINGREQUESTCREATED', 0.5), event('TeleportedToOperator', 5, 7), event('assignedtooperator', 10, 7), event('AcceptedByOperator', 30, 7)],
    });
    expect(routingEvents.map((e) => e.activity_type)).toEqual(['ROUTINGREQUESTCREATED', 'TeleportedToOperator', 'assignedtooperator', 'AcceptedByOperator']);
    expect([session.created_s, session.in_queue_s, session.quality_flags]).toEqual([0.5, 9.5, []]);
  });
});

describe('routingHistory container (the public API docs: bare array or wrapped)', () => {
  const events = [event('RoutingRequestCreated', 0.5)];
  it.each([
    ['undefined (not fetched)', undefined, 0, []],
    ['null', null, 0, []],
    ['a bare array', events, 1, []],
    ['{items: [...]}', { items: events }, 1, []],
    ['{data: [...]}', { data: events, total: 1 }, 1, []],
    ['{routingHistory: [...]}', { routingHistory: events, other: ['x', 'y'] }, 1, []],
    ['any object with exactly one array property', { timeline: events, sessionId: 3 }, 1, []],
    ['an object with two unknown array properties', { a: events, b: events }, 0, ['bad_routing_history']],
    ['an object without arrays', { error: 'Forbidden' }, 0, ['bad_routing_history']],
    ['a string', '<html>login</html>', 0, ['bad_routing_history']],
  ])('%s', (_name, raw, length, expectedFlags) => {
    const flags = new QualityFlags();
    expect(unwrapRoutingHistory(raw, flags)).toHaveLength(length);
    expect(flags.toArray()).toEqual(expectedFlags);
    expect(facts({ routing: raw }).routingEvents).toHaveLength(length);
  });
});

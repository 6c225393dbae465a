/**
 * docs/metrics.md "Per operator": one row per session × userId, with M-OP-QUEUE (refined),
 * M-OP-ACTIVE, M-OP-ACW (summed over stints), M-OP-OFFERS and M-OP-MISSED.
 */
import { describe, expect, it } from '@jest/globals';
import type { SessionOperatorRow } from '../../src/transform/types.js';
import { event, facts, operator, t, type Scenario } from './fixtures/build.js';

type Case = [name: string, scenario: Scenario, userId: number, expected: Partial<SessionOperatorRow>, flags?: string[]];

function check(cases: Case[]) {
  it.each(cases)('%s', (_name, scenario, userId, expected, flags = []) => {
    const { session, operators } = facts(scenario);
    const row = operators.find((o) => o.user_id === userId);
    expect(row).toBeDefined();
    expect(row).toMatchObject(expected);
    expect(session.quality_flags).toEqual(flags);
  });
}

const routed = (...events: ReturnType<typeof event>[]) => [event('RoutingRequestCreated', 0.5), ...events];

describe('M-OP-QUEUE (refined) queue_s = first AcceptedByOperator by X − first AssignedToOperator to X', () => {
  check([
    ['M-OP-QUEUE normal: X was assigned and accepted', {}, 7, { queue_s: 20 }],
    [
      'M-OP-QUEUE NULL: X timed out and someone else accepted (the FAQ would charge X with their wait)',
      { routing: routed(event('AssignedToOperator', 5, 8), event('OperatorTimeoutExpired', 20, 8), event('AssignedToOperator', 21, 7), event('AcceptedByOperator', 27.25, 7)) },
      8,
      { queue_s: null, offers: 1, missed: 1, stints: 0 },
    ],
    [
      'M-OP-QUEUE forwarded to X later: X\'s own accept, not the first accept by anyone (FAQ formula is negative)',
      {
        session: { operators: [operator(7, 30, 60, 61), operator(9, 75, 90, 100)] },
        routing: routed(event('AssignedToOperator', 10, 7), event('AcceptedByOperator', 30, 7), event('ForwardedToUser', 60, 9, { forwardedByOperator: { userId: 7 } }), event('AssignedToOperator', 60, 9), event('AcceptedByOperator', 75, 9)),
      },
      9,
      { queue_s: 15, offers: 1, missed: 0 },
    ],
    ['M-OP-QUEUE NULL: X accepted without ever being assigned', { routing: routed(event('AcceptedByOperator', 30, 7)) }, 7, { queue_s: null }],
    ['M-OP-QUEUE NULL: X never assigned nor accepted (joined by invitation)', { routing: routed() }, 7, { queue_s: null, offers: 0, missed: 0, stints: 1 }],
    ['M-OP-QUEUE 0: accepted at the instant of assignment', { routing: routed(event('AssignedToOperator', 10, 7), event('AcceptedByOperator', 10, 7)) }, 7, { queue_s: 0 }],
    [
      'M-OP-QUEUE uses X\'s first assignment when X is offered twice',
      { routing: routed(event('AssignedToOperator', 2, 7), event('OperatorTimeoutExpired', 12, 7), event('AssignedToOperator', 20, 7), event('AcceptedByOperator', 30, 7)) },
      7,
      { queue_s: 28, offers: 2, missed: 1 },
    ],
    [
      'M-OP-QUEUE negative → NULL + negative_operator_queue',
      { routing: routed(event('AcceptedByOperator', 9, 7), event('AssignedToOperator', 10, 7)) },
      7,
      { queue_s: null },
      ['negative_operator_queue', 'negative_waiting'],
    ],
  ]);
});

describe('M-OP-ACTIVE active_s = left − joined; M-OP-ACW acw_s = concluded − left (summed over stints)', () => {
  check([
    ['M-OP-ACTIVE / M-OP-ACW normal', {}, 7, { active_s: 60, acw_s: 10, joined_at: t(30), left_at: t(90), concluded_at: t(100), stints: 1 }],
    ['M-OP-ACTIVE NULL: left missing (still in contact, or the other operator got the left event)', { session: { status: 'ACTIVE', operators: [operator(7, 30, null, null)] } }, 7, { active_s: null, acw_s: null }],
    ['M-OP-ACTIVE NULL: joined missing', { session: { operators: [operator(7, null, 90, 100)] } }, 7, { active_s: null, acw_s: 10, joined_at: null }],
    ['M-OP-ACW NULL: concluded missing (ACW running)', { session: { status: 'ACW', operators: [operator(7, 30, 90, null)] } }, 7, { active_s: 60, acw_s: null }],
    ['M-OP-ACW NULL: concluded without left (forwarded onward)', { session: { operators: [operator(7, 30, null, 60)] } }, 7, { active_s: null, acw_s: null, concluded_at: t(60) }],
    ['M-OP-ACTIVE / M-OP-ACW 0', { session: { operators: [operator(7, 30, 30, 30)] } }, 7, { active_s: 0, acw_s: 0 }],
    [
      'M-OP-ACTIVE negative → NULL + negative_operator_active',
      { session: { operators: [operator(7, 90, 30, 100)] } },
      7,
      { active_s: null, acw_s: 70 },
      ['negative_operator_active'],
    ],
    [
      'M-OP-ACW negative → NULL + negative_operator_acw',
      { session: { operators: [operator(7, 30, 90, 85)] } },
      7,
      { active_s: 60, acw_s: null },
      ['negative_acw', 'negative_operator_acw'],
    ],
    [
      'M-OP-ACTIVE unparseable joined → NULL + bad_operator_joined',
      { session: { operators: [operator(7, null, 90, 100, { joined: '2024-05-02 08:00' })] } },
      7,
      { active_s: null, joined_at: null },
      ['bad_operator_joined'],
    ],
    [
      'M-OP-ACW unparseable concluded → NULL + bad_operator_concluded, but ACW counts as over (M-DONE)',
      { session: { operators: [operator(7, 30, 90, null, { concluded: 'done' })] } },
      7,
      { acw_s: null, concluded_at: null },
      ['bad_operator_concluded'],
    ],
  ]);
});

describe('M-OP-ACTIVE / M-OP-ACW per operator: a user who appears twice in operators[] is one row (stints merged)', () => {
  const twice: Scenario = {
    session: { operators: [operator(7, 30, 60, 62.5), operator(8, 60, 70, 71), operator(7, 70, 90, 100)] },
    routing: routed(event('AssignedToOperator', 10, 7), event('AcceptedByOperator', 30, 7)),
  };
  check([
    [
      'merged stints: joined earliest, left latest, concluded latest; active and ACW summed',
      twice,
      7,
      { stints: 2, joined_at: t(30), left_at: t(90), concluded_at: t(100), active_s: 50, acw_s: 12.5, queue_s: 20 },
    ],
    [
      'merged stints in reverse API order give the same row',
      { ...twice, session: { operators: [operator(7, 70, 90, 100), operator(8, 60, 70, 71), operator(7, 30, 60, 62.5)] } },
      7,
      { stints: 2, joined_at: t(30), left_at: t(90), concluded_at: t(100), active_s: 50, acw_s: 12.5 },
    ],
    [
      'M-OP-ACTIVE sums only the stints with both ends; M-OP-ACW likewise',
      { session: { operators: [operator(7, 30, 60, null), operator(7, 70, null, 100)] } },
      7,
      { stints: 2, joined_at: t(30), left_at: t(60), concluded_at: t(100), active_s: 30, acw_s: null },
    ],
    [
      'a negative stint is left out of the sum and flagged, the others still count',
      { session: { operators: [operator(7, 30, 60, 61), operator(7, 95, 90, 100)] } },
      7,
      { stints: 2, active_s: 30, acw_s: 11 },
      ['negative_operator_active'],
    ],
    [
      'sums are rounded once, on the exact total (M-0.1)',
      { session: { operators: [operator(7, 30, 30.0004, 30.0004), operator(7, 40, 40.0004, 40.0004)] } },
      7,
      { active_s: 0.001 },
    ],
  ]);

  it('rows are sorted by user id, one per user, with the names of operators[] first', () => {
    const { operators } = facts(twice);
    expect(operators.map((o) => [o.user_id, o.user_name, o.first_name, o.last_name, o.stints])).toEqual([
      [7, 'user7', 'First7', 'Last7', 2],
      [8, 'user8', 'First8', 'Last8', 1],
    ]);
  });
});

describe('M-OP-QUEUE / M-OP-OFFERS / M-OP-MISSED per operator: operators seen only in the routing history, and operators without userId', () => {
  it('an operator offered but never joined gets a row with NULL joined/left/concluded and the routing names', () => {
    const { operators } = facts({ routing: routed(event('AssignedToOperator', 5, 2710), event('OperatorTimeoutExpired', 20, 2710), event('AssignedToOperator', 21, 7), event('AcceptedByOperator', 30, 7)) });
    expect(operators).toEqual([
      { session_id: 1001, user_id: 7, user_name: 'user7', first_name: 'First7', last_name: 'Last7', joined_at: t(30), left_at: t(90), concluded_at: t(100), stints: 1, queue_s: 9, active_s: 60, acw_s: 10, offers: 1, missed: 0 },
      { session_id: 1001, user_id: 2710, user_name: null, first_name: 'RFirst2710', last_name: 'RLast2710', joined_at: null, left_at: null, concluded_at: null, stints: 0, queue_s: null, active_s: null, acw_s: null, offers: 1, missed: 1 },
    ]);
  });

  it('names fall back to the routing operator object when operators[] has none', () => {
    const { operators } = facts({ session: { operators: [operator(7, 30, 90, 100, { firstName: null, lastName: undefined })] } });
    expect(operators[0]).toMatchObject({ user_name: 'user7', first_name: 'RFirst7', last_name: 'RLast7' });
  });

  it('M-OP-OFFERS / M-OP-MISSED count every event for X, even one whose timestamp is unparseable', () => {
    const { operators, session } = facts({ routing: routed(event('AssignedToOperator', 'garbled', 7), event('OperatorTimeoutExpired', null, 7), event('AssignedToOperator', 21, 7), event('AcceptedByOperator', 30, 7)) });
    expect(operators[0]).toMatchObject({ offers: 2, missed: 1, queue_s: 9 });
    expect(session.quality_flags).toEqual(['bad_routing_event']);
  });

  it('M-OP-OFFERS / M-OP-MISSED are 0, never NULL, for an operator without routing events', () => {
    const { operators } = facts({ routing: [] });
    expect(operators[0]).toMatchObject({ offers: 0, missed: 0, queue_s: null });
  });

  it('an operators[] entry without userId gets no row and flags operator_without_user_id', () => {
    const { operators, session } = facts({ session: { operators: [operator(7, 30, 90, 100), { ...operator(null, 30, 90, 100) }, 'junk' as never] } });
    expect(operators.map((o) => o.user_id)).toEqual([7]);
    expect(session.quality_flags).toEqual(['bad_operators', 'operator_without_user_id']);
  });

  it('an operators field that is not an array is flagged and treated as no operators', () => {
    const { operators, session } = facts({ session: { operators: { userId: 7 } as never } });
    expect(operators.map((o) => o.user_id)).toEqual([7]); // still known from the routing history
    expect(operators[0].stints).toBe(0);
    expect(session.quality_flags).toEqual(['bad_operators']);
  });
});

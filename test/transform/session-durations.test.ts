/**
 * docs/metrics.md "Session state durations", one table per rule id. Base scenario (fixtures/build.ts):
 * created 0, guest joined 1, routing 0.5 → assigned(7) 10 → accepted(7) 30, started 30,
 * operator 7 joined 30 left 90 concluded 100, length PT60S, waited PT30S, status CLOSED.
 */
import { describe, expect, it } from '@jest/globals';
import type { SessionRow } from '../../src/transform/types.js';
import { event, facts, operator, t, type Scenario } from './fixtures/build.js';

type Case = [name: string, scenario: Scenario, expected: Partial<SessionRow>];

function check(metric: keyof SessionRow, cases: Case[]) {
  it.each(cases)('%s', (_name, scenario, expected) => {
    const { session } = facts(scenario);
    expect({ [metric]: session[metric], quality_flags: session.quality_flags, ...pick(session, expected) }).toEqual({
      quality_flags: [],
      ...expected,
    });
  });
}

function pick(row: SessionRow, expected: Partial<SessionRow>): Partial<SessionRow> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) out[key] = row[key as keyof SessionRow];
  return out as Partial<SessionRow>;
}

describe('M-CREATED created_s = first RoutingRequestCreated − created', () => {
  check('created_s', [
    ['M-CREATED normal', {}, { created_s: 0.5, first_routing_at: t(0.5) }],
    ['M-CREATED NULL: no RoutingRequestCreated (chatbot-only / outbound)', { routing: [] }, { created_s: null, first_routing_at: null, is_offered: false }],
    ['M-CREATED NULL: routing history not fetched', { routing: undefined }, { created_s: null, is_offered: false }],
    ['M-CREATED 0: routing starts at the very instant of creation', { routing: [event('RoutingRequestCreated', 0)] }, { created_s: 0 }],
    [
      'M-CREATED first = earliest across routing requests, whatever the API order (M-0.5)',
      { routing: [event('RoutingRequestCreated', 50, undefined, { routingRequestId: 2 }), event('RoutingRequestCreated', 0.25)] },
      { created_s: 0.25, first_routing_at: t(0.25) },
    ],
    ['M-CREATED negative → NULL + negative_created (M-0.3)', { routing: [event('RoutingRequestCreated', -0.2)] }, { created_s: null, quality_flags: ['negative_created'] }],
    [
      'M-CREATED NULL: the only RoutingRequestCreated has an unparseable timestamp',
      { routing: [event('RoutingRequestCreated', 'yesterday')] },
      { created_s: null, is_offered: true, first_routing_at: null, quality_flags: ['bad_routing_event'] },
    ],
  ]);
});

describe('M-IN_QUEUE in_queue_s = first AssignedToOperator − first RoutingRequestCreated', () => {
  check('in_queue_s', [
    ['M-IN_QUEUE normal', {}, { in_queue_s: 9.5, first_assigned_at: t(10) }],
    ['M-IN_QUEUE NULL: guest left before any operator was picked', { routing: [event('RoutingRequestCreated', 0.5)] }, { in_queue_s: null, first_assigned_at: null }],
    ['M-IN_QUEUE NULL: no RoutingRequestCreated', { routing: [event('AssignedToOperator', 10, 7), event('AcceptedByOperator', 30, 7)] }, { in_queue_s: null, created_s: null }],
    ['M-IN_QUEUE 0: assigned at the same instant', { routing: [event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 0.5, 7)] }, { in_queue_s: 0 }],
    [
      'M-IN_QUEUE uses the first assignment of any operator',
      { routing: [event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 20, 8), event('AssignedToOperator', 4, 7)] },
      { in_queue_s: 3.5, first_assigned_at: t(4) },
    ],
    ['M-IN_QUEUE negative → NULL + negative_in_queue', { routing: [event('AssignedToOperator', 0.25, 7), event('RoutingRequestCreated', 0.5)] }, { in_queue_s: null, quality_flags: ['negative_in_queue'] }],
  ]);
});

describe('M-WAITING waiting_s = first AcceptedByOperator − first AssignedToOperator', () => {
  check('waiting_s', [
    ['M-WAITING normal', {}, { waiting_s: 20, first_accepted_at: t(30) }],
    ['M-WAITING NULL: never accepted', { routing: [event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 10, 7), event('OperatorTimeoutExpired', 25, 7)] }, { waiting_s: null, is_accepted: false }],
    ['M-WAITING NULL: accepted without an assignment (e.g. direct pickup)', { routing: [event('RoutingRequestCreated', 0.5), event('AcceptedByOperator', 30, 7)] }, { waiting_s: null, is_accepted: true }],
    [
      'M-WAITING spans an OperatorTimeoutExpired re-offer',
      { routing: [event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 5, 8), event('OperatorTimeoutExpired', 20, 8), event('AssignedToOperator', 21, 7), event('AcceptedByOperator', 27.25, 7)] },
      { waiting_s: 22.25 },
    ],
    ['M-WAITING 0: accepted at the instant of assignment (auto-accept)', { routing: [event('RoutingRequestCreated', 0.5), event('AssignedToOperator', 10, 7), event('AcceptedByOperator', 10, 7)] }, { waiting_s: 0 }],
    ['M-WAITING negative → NULL + negative_waiting', { routing: [event('RoutingRequestCreated', 0.5), event('AcceptedByOperator', 9, 7), event('AssignedToOperator', 10, 7)] }, { waiting_s: null, quality_flags: ['negative_operator_queue', 'negative_waiting'] }],
  ]);
});

describe('M-BCW-1 / M-BCW-2 bcw_s = guestJoined − started, only when positive', () => {
  check('bcw_s', [
    ['M-BCW-1 normal (outbound: the guest joins after the operator started)', { session: { started: t(30), guestJoined: t(32.25) } }, { bcw_s: 2.25 }],
    ['M-BCW-1 NULL: guestJoined missing', { session: { guestJoined: null } }, { bcw_s: null }],
    ['M-BCW-1 NULL: started missing (never accepted)', { session: { started: undefined, guestJoined: t(1) } }, { bcw_s: null }],
    ['M-BCW-1 NULL: started unparseable → bad_started', { session: { started: '30 s after', guestJoined: t(40) } }, { bcw_s: null, started_at: null, quality_flags: ['bad_started'] }],
    ['M-BCW-2 negative (inbound, guest there first) → NULL and no negative flag', {}, { bcw_s: null }],
    ['M-BCW-2 zero → NULL (the state exists only when positive)', { session: { started: t(30), guestJoined: t(30) } }, { bcw_s: null }],
    ['M-BCW-2 1 µs positive → 0 after M-0.1 rounding, not NULL', { session: { started: t(30), guestJoined: t(30.000001) } }, { bcw_s: 0 }],
  ]);
});

describe('M-ACTIVE active_s = length', () => {
  check('active_s', [
    ['M-ACTIVE normal', {}, { active_s: 60 }],
    ['M-ACTIVE full precision', { session: { length: 'PT13M40.715191S' } }, { active_s: 820.715 }],
    ['M-ACTIVE with days and hours', { session: { length: 'P1DT2H3M4.5S' } }, { active_s: 93784.5 }],
    ['M-ACTIVE 0: PT0S is a zero-length contact, not NULL (M-0.2)', { session: { length: 'PT0S' } }, { active_s: 0 }],
    ['M-ACTIVE NULL: length null (never started)', { session: { length: null } }, { active_s: null }],
    ['M-ACTIVE NULL: length absent', { session: { length: undefined } }, { active_s: null }],
    ['M-ACTIVE NULL + bad_length: .NET TimeSpan text', { session: { length: '00:13:40.7151910' } }, { active_s: null, quality_flags: ['bad_length'] }],
    ['M-ACTIVE NULL + bad_length: not a string', { session: { length: 820.7 as unknown as string } }, { active_s: null, quality_flags: ['bad_length'] }],
    ['M-ACTIVE negative duration → NULL + negative_active (M-0.3)', { session: { length: '-PT5S' } }, { active_s: null, quality_flags: ['negative_active'] }],
  ]);
});

describe('M-ACW-1 / M-ACW-2 acw_s = max(operators[].concluded) − max(operators[].left)', () => {
  check('acw_s', [
    ['M-ACW-1 normal', {}, { acw_s: 10 }],
    [
      'M-ACW-1 max over operators (the last to leave vs the last to conclude)',
      { session: { operators: [operator(7, 30, 90, 100), operator(8, 40, 95, 97.5)] } },
      { acw_s: 5, is_complete: true },
    ],
    [
      'M-ACW-1 an operator with concluded but no left (forwarded onward) still counts for max(concluded)',
      { session: { operators: [operator(7, 30, null, 60), operator(8, 60, 90, 120)] } },
      { acw_s: 30, is_complete: true },
    ],
    [
      'M-ACW-1 operators without userId still count for the session ACW',
      { session: { operators: [operator(null, 30, 90, 112)] }, routing: [] },
      { acw_s: 22, quality_flags: ['operator_without_user_id'] },
    ],
    ['M-ACW-1 NULL: no operators', { session: { operators: [] } }, { acw_s: null, is_complete: true, skipped_states: ['BCW', 'ACW'] }],
    ['M-ACW-1 NULL: operators null', { session: { operators: null } }, { acw_s: null, is_complete: true }],
    ['M-ACW-1 NULL: no operator has left', { session: { operators: [operator(7, 30, null, 100)] } }, { acw_s: null, is_complete: true }],
    ['M-ACW-1 NULL: no operator has concluded (and none has left)', { session: { operators: [operator(7, 30, null, null)] } }, { acw_s: null, is_complete: true }],
    ['M-ACW-1 0: concluded at the instant of leaving', { session: { operators: [operator(7, 30, 90, 90)] } }, { acw_s: 0 }],
    [
      'M-ACW-1 negative → NULL + negative_acw (and the operator flag)',
      { session: { operators: [operator(7, 30, 90, 80)] } },
      { acw_s: null, quality_flags: ['negative_acw', 'negative_operator_acw'] },
    ],
    [
      'M-ACW-1 an unparseable left is ignored for the max, flagged bad_operator_left',
      { session: { operators: [operator(7, 30, 90, 100), operator(8, 30, null, 101, { left: 'later' })] } },
      { acw_s: 11, quality_flags: ['bad_operator_left'] },
    ],
    [
      'M-ACW-2 refined: an operator left but has not concluded → ACW still running: NULL, incomplete',
      { session: { operators: [operator(7, 30, 90, 100), operator(8, 40, 95, null)] } },
      { acw_s: null, is_complete: false, skipped_states: null },
    ],
    ['M-ACW-2 a single operator still in ACW', { session: { operators: [operator(7, 30, 90, null)] } }, { acw_s: null, is_complete: false }],
  ]);
});

describe('M-RING ring_s = guestJoined − created (not for preview campaigns)', () => {
  const modes = (mode: string | undefined) => () => mode;
  check('ring_s', [
    ['M-RING normal, no campaign', {}, { ring_s: 1, campaign_id: null, campaign_mode: null }],
    ['M-RING 0: guest joined at creation', { session: { guestJoined: t(0) } }, { ring_s: 0 }],
    ['M-RING NULL: guestJoined missing', { session: { guestJoined: null } }, { ring_s: null }],
    ['M-RING NULL + bad_guest_joined: guestJoined unparseable', { session: { guestJoined: 'soon' } }, { ring_s: null, guest_joined_at: null, quality_flags: ['bad_guest_joined'] }],
    ['M-RING NULL: Preview campaign, no flag', { session: { campaignId: 5 }, campaignMode: modes('Preview') }, { ring_s: null, campaign_id: 5, campaign_mode: 'Preview' }],
    ['M-RING NULL: preview compared case-insensitively', { session: { campaignId: 5 }, campaignMode: modes('PREVIEW') }, { ring_s: null, campaign_mode: 'PREVIEW' }],
    ['M-RING formula for other campaign modes', { session: { campaignId: 5 }, campaignMode: modes('Progressive') }, { ring_s: 1, campaign_mode: 'Progressive' }],
    ['M-RING formula for an unknown (new) mode string (M-0.6)', { session: { campaignId: 5 }, campaignMode: modes('Hyperdrive') }, { ring_s: 1, campaign_mode: 'Hyperdrive' }],
    [
      'M-RING NULL + unknown_campaign_mode: the campaign could not be read',
      { session: { campaignId: 5 }, campaignMode: modes('unknown') },
      { ring_s: null, campaign_id: 5, campaign_mode: null, quality_flags: ['unknown_campaign_mode'] },
    ],
    [
      'M-RING NULL + unknown_campaign_mode: the lookup knows nothing about a campaign the session names',
      { session: { campaignId: 5 }, campaignMode: modes(undefined) },
      { ring_s: null, campaign_mode: null, quality_flags: ['unknown_campaign_mode'] },
    ],
    ['M-RING negative → NULL + negative_ring', { session: { guestJoined: t(-0.5) } }, { ring_s: null, quality_flags: ['negative_ring'] }],
  ]);

  it('M-RING asks the lookup only for the session\'s own campaign, and not at all without one', () => {
    const asked: number[] = [];
    facts({ campaignMode: (id) => (asked.push(id), 'Preview') });
    facts({ session: { campaignId: 77 }, campaignMode: (id) => (asked.push(id), 'Preview') });
    expect(asked).toEqual([77]);
  });
});

describe('M-WAITED waited_s = waited', () => {
  check('waited_s', [
    ['M-WAITED normal', {}, { waited_s: 30 }],
    ['M-WAITED full precision', { session: { waited: 'PT28.361636S' } }, { waited_s: 28.362 }],
    ['M-WAITED 0 (PT0S), not NULL', { session: { waited: 'PT0S' } }, { waited_s: 0 }],
    ['M-WAITED NULL: missing', { session: { waited: undefined } }, { waited_s: null }],
    ['M-WAITED NULL: null', { session: { waited: null } }, { waited_s: null }],
    ['M-WAITED NULL + bad_waited: unparseable', { session: { waited: 'half a minute' } }, { waited_s: null, quality_flags: ['bad_waited'] }],
    ['M-WAITED negative → NULL + negative_waited', { session: { waited: '-PT1S' } }, { waited_s: null, quality_flags: ['negative_waited'] }],
  ]);
});

describe('K-ANSWER answer_s = first AcceptedByOperator − first RoutingRequestCreated; K-OFFERED, K-ANSWERED', () => {
  check('answer_s', [
    ['K-ANSWER normal', {}, { answer_s: 29.5, is_offered: true, is_accepted: true }],
    ['K-ANSWER NULL: never accepted (abandoned)', { routing: [event('RoutingRequestCreated', 0.5)] }, { answer_s: null, is_offered: true, is_accepted: false }],
    ['K-ANSWER NULL: never routed', { routing: [] }, { answer_s: null, is_offered: false, is_accepted: false }],
    ['K-ANSWER NULL: accepted without routing request', { routing: [event('AcceptedByOperator', 30, 7)] }, { answer_s: null, is_offered: false, is_accepted: true }],
    [
      'K-ANSWER negative → NULL + negative_answer',
      { routing: [event('AcceptedByOperator', 0.25, 7), event('RoutingRequestCreated', 0.5)] },
      { answer_s: null, quality_flags: ['negative_answer'] },
    ],
  ]);
});

describe('skipped_states and the long-form state rows', () => {
  it('skipped_states lists the NULL states of a complete session in CREATED…ACW order', () => {
    const { session, states } = facts({ session: { length: null, operators: [] }, routing: [event('RoutingRequestCreated', 0.5)] });
    expect(session.skipped_states).toEqual(['IN_QUEUE', 'WAITING', 'BCW', 'ACTIVE', 'ACW']);
    expect(states).toEqual([{ session_id: 1001, state: 'CREATED', duration_s: 0.5 }]);
  });

  it('skipped_states is empty when no state was skipped, and every state has a row', () => {
    const { session, states } = facts({ session: { guestJoined: t(31) } });
    expect(session.skipped_states).toEqual([]);
    expect(states.map((s) => [s.state, s.duration_s])).toEqual([
      ['CREATED', 0.5],
      ['IN_QUEUE', 9.5],
      ['WAITING', 20],
      ['BCW', 1],
      ['ACTIVE', 60],
      ['ACW', 10],
    ]);
  });

  it('skipped_states is NULL for an incomplete session, while the known states still get rows', () => {
    const { session, states } = facts({ session: { status: 'ACTIVE', length: null, operators: [operator(7, 30, null, null)] } });
    expect(session.skipped_states).toBeNull();
    expect(states.map((s) => s.state)).toEqual(['CREATED', 'IN_QUEUE', 'WAITING']);
  });

  it('a zero-length state has a row with 0 (M-0.2)', () => {
    const { states } = facts({ session: { length: 'PT0S' } });
    expect(states.find((s) => s.state === 'ACTIVE')).toEqual({ session_id: 1001, state: 'ACTIVE', duration_s: 0 });
  });
});

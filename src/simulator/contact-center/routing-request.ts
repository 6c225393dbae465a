/** Where a session's queue events in the routing history come from. */
import type { SimGroup } from '../catalog.js';
import type { SessionPlanner } from './session-planner.js';

export interface RouteResult {
  op: number;
  accepted: number;
  group: SimGroup;
}

/**
 * The routing of one request: created, queued in a group, offered to operators (some time out),
 * accepted — or the guest leaves first. Returns undefined when nobody accepted.
 */
export function routeToOperator(p: SessionPlanner, start: number, group: SimGroup, opts: { queueMean?: number; noAbandon?: boolean; dropRate?: number }): RouteResult | undefined {
  const { r, d } = p;
  const rr = p.newRoutingRequest();
  d.routingStart = start;
  p.route(start, 'RoutingRequestCreated', { rr });
  const entered = p.after(start, r.between(0.002, 0.05));
  p.route(entered, 'EnteredGroupQueue', { rr, group });
  const base = d.channel === 'Chat' ? 15 : d.channel === 'Phone' ? 25 : 20;
  const queueMean = opts.queueMean ?? base * (0.3 + 1.7 * p.load);
  const outcome = r.weighted([
    ['abandonQueue', opts.noAbandon ? 0 : (opts.dropRate ?? 0.06)],
    ['abandonWaiting', opts.noAbandon ? 0 : 0.03],
    ['groupTimeout', 0.01],
    ['pickup', 0.02],
    ['normal', 0.88],
  ] as const);
  if (outcome === 'abandonQueue' || outcome === 'groupTimeout') {
    const timeout = outcome === 'groupTimeout';
    const leave = p.after(entered, timeout ? r.between(120, 300) : r.exp(queueMean * 1.5) + 1);
    if (timeout) p.route(leave, 'GroupQueueTimeoutExpired', { rr, group });
    p.route(leave, 'LeftGroupQueue', { rr, group });
    p.route(p.after(leave, 0.005), 'RoutingEnded', { rr });
    abandon(p, leave, timeout ? 'FailedRouting' : 'GuestAbandoned');
    return undefined;
  }
  const waitMedian = d.channel === 'Chat' ? 4 : d.channel === 'Phone' ? 7 : 6;
  let t = p.after(entered, r.exp(queueMean));
  if (outcome === 'pickup') {
    // An operator takes the session straight from the queue: no AssignedToOperator at all.
    const op = p.pickOperator(group, []);
    p.route(t, 'AcceptedByOperator', { rr, op });
    p.route(t, 'LeftGroupQueue', { rr, group });
    p.route(p.after(t, 0.005), 'RoutingEnded', { rr });
    d.queueLeft = t;
    return { op, accepted: t, group };
  }
  const tried: number[] = [];
  const timeouts = r.weighted([[0, 0.77], [1, 0.18], [2, 0.05]] as const);
  for (let k = 0; k < timeouts; k++) {
    const op = p.pickOperator(group, tried);
    tried.push(op);
    d.firstAssign ??= t;
    p.route(t, 'AssignedToOperator', { rr, group, op });
    const expired = p.after(t, 20);
    p.route(expired, 'OperatorTimeoutExpired', { rr, op });
    t = p.after(expired, r.between(0.2, 3));
  }
  const op = p.pickOperator(group, tried);
  d.firstAssign ??= t;
  p.route(t, 'AssignedToOperator', { rr, group, op });
  if (outcome === 'abandonWaiting') {
    const leave = p.after(t, r.between(2, 15));
    p.route(leave, 'LeftGroupQueue', { rr, group });
    p.route(p.after(leave, 0.005), 'RoutingEnded', { rr });
    abandon(p, leave, 'GuestAbandoned');
    return undefined;
  }
  let accepted = t;
  if (r.chance(0.1)) {
    d.autoAccepted = true;
  } else {
    accepted = p.after(t, Math.min(19, r.logNormal(waitMedian, 0.6)));
  }
  p.route(accepted, 'AcceptedByOperator', { rr, op });
  p.route(accepted, 'LeftGroupQueue', { rr, group });
  p.route(p.after(accepted, 0.005), 'RoutingEnded', { rr });
  d.queueLeft = accepted;
  return { op, accepted, group };
}

function abandon(p: SessionPlanner, leave: number, reason: string): void {
  const { d } = p;
  d.queueLeft = leave;
  d.ended = leave;
  d.guestLeft = 'LeftQueue';
  p.act(leave, 'SessionEnded', 'Guest', null, null, { terminationReason: reason });
}

/**
 * Calls the contact center places: manual outbound calls, callbacks the guest asked for, preview
 * campaigns (an operator reads the contact, then dials) and dialer campaigns (the dialer calls first).
 */
import { DIALER_CAMPAIGN_IDS, PREVIEW_CAMPAIGN_IDS, type SimGroup } from '../catalog.js';
import { close, serve } from './conversation.js';
import { routeToOperator } from './routing-request.js';
import { CAMPAIGN_GROUP, type SessionPlanner } from './session-planner.js';

/** An operator dials out: no routing at all; the guest joins after the operator (positive BCW) or never. */
export function outbound(p: SessionPlanner): void {
  const { r, d } = p;
  d.source = 'OutgoingCall';
  d.guestAfterOperator = true;
  const group = CAMPAIGN_GROUP;
  const op = p.pickOperator(r.chance(0.5) ? group : p.groupOf(d.departmentId), []);
  const joined = p.after(d.created, r.between(0.2, 1));
  d.started = joined;
  d.stints.push({ userId: op, joined, left: null, concluded: null, note: null });
  p.act(joined, 'Joined', 'User', op);
  dial(p, joined, op, group, 'OperatorLeft');
}

/** Rings the guest from `from`; on an answer the conversation is served, otherwise the attempt ends. */
function dial(p: SessionPlanner, from: number, op: number, group: SimGroup, failedReason: string): void {
  const { r, d } = p;
  const result = r.weighted([['ANSWERED', 0.65], ['NO_ANSWER', 0.18], ['REJECTED', 0.06], ['UNREACHABLE', 0.05], ['FAILED', 0.03], ['INVALID_NUMBER', 0.03]] as const);
  const ring = r.between(5, 30);
  d.dialResult = result;
  if (result === 'ANSWERED') {
    d.guestJoined = p.after(from, ring);
    d.dialResultAt = d.guestJoined;
    serve(p, op, d.guestJoined, group, { existingStint: true });
  } else {
    const end = p.after(from, result === 'INVALID_NUMBER' ? r.between(0.5, 2) : ring);
    d.dialResultAt = end;
    close(p, d.stints[d.stints.length - 1], end, failedReason, 'UNKNOWN');
  }
}

/** The guest asked to be called back: routed like inbound (long queue), then the operator dials. */
export function callback(p: SessionPlanner): void {
  const { r, d } = p;
  d.source = 'Callback';
  d.guestAfterOperator = true;
  const res = routeToOperator(p, p.after(d.created, r.between(0.01, 0.2)), p.groupOf(d.departmentId), { queueMean: r.between(60, 600), noAbandon: true });
  if (!res) return;
  d.started = res.accepted;
  d.stints.push({ userId: res.op, joined: res.accepted, left: null, concluded: null, note: null });
  p.act(res.accepted, 'Joined', 'User', res.op);
  d.phoneCallbackDialed = p.after(res.accepted, r.between(1, 6));
  dial(p, d.phoneCallbackDialed, res.op, res.group, 'ExternalPartyLeft');
}

/** Preview campaign: the contact is routed to an operator, who reads it and then dials (ring time is meaningless: M-RING). */
export function previewCampaign(p: SessionPlanner): void {
  const { r, d } = p;
  d.source = 'Campaign';
  d.campaignId = r.pick(PREVIEW_CAMPAIGN_IDS);
  d.guestAfterOperator = true;
  const group = CAMPAIGN_GROUP;
  const res = routeToOperator(p, p.after(d.created, r.between(0.01, 0.1)), group, { queueMean: r.between(0.5, 5), noAbandon: true });
  if (!res) return;
  d.started = res.accepted;
  d.stints.push({ userId: res.op, joined: res.accepted, left: null, concluded: null, note: null });
  p.act(res.accepted, 'Joined', 'User', res.op);
  dial(p, p.after(res.accepted, r.between(5, 60)), res.op, res.group, 'ExternalPartyLeft');
}

/** Predictive/progressive campaign: the dialer calls first; an answered call is routed to a free operator. */
export function dialerCampaign(p: SessionPlanner): void {
  const { r, d } = p;
  d.source = 'Campaign';
  d.campaignId = r.pick(DIALER_CAMPAIGN_IDS);
  const result = r.weighted([['ANSWERED', 0.55], ['NO_ANSWER', 0.25], ['FAILED', 0.05], ['UNREACHABLE', 0.08], ['REJECTED', 0.07]] as const);
  const ring = r.between(5, 25);
  d.dialResult = result;
  if (result !== 'ANSWERED') {
    d.ended = p.after(d.created, ring);
    d.dialResultAt = d.ended;
    p.act(d.ended, 'SessionEnded', null, null, null, { terminationReason: 'CampaignFailedDial' });
    return;
  }
  d.guestJoined = p.after(d.created, ring);
  d.dialResultAt = d.guestJoined;
  const group = CAMPAIGN_GROUP;
  const res = routeToOperator(p, p.after(d.guestJoined, r.between(0.02, 0.1)), group, { queueMean: 2, dropRate: 0.08 });
  if (res) {
    d.started = res.accepted;
    serve(p, res.op, res.accepted, res.group, {});
  }
}

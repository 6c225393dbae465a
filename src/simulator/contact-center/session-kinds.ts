/**
 * What kind of session is drawn, by channel, and the stories of the inbound kinds: a guest routed
 * to an operator, chatbots with and without a handoff, proactive invitations, and guests who leave
 * before any queue. The calls the center places are in outbound-calls.ts.
 *
 * What the traffic contains (the public API docs, docs/metrics.md), at realistic but modest rates:
 * chat, AV and phone; inbound, outbound, callbacks; preview and predictive campaigns; chatbots
 * with and without a handoff; operator timeouts (operators who appear only in the routing
 * history), forwards to users, groups and phones, forwards back (one operator twice in
 * operators[]), invites (concurrent operators whose `left` is null), guests who leave in the queue
 * or while an operator is being offered, auto-accepts, pickups without an assignment (skipped
 * states), outbound calls where the guest joins after the operator (positive BCW), operators who
 * forget the conclusion form for hours, small clock skews that make a few formulas negative,
 * timestamps with local offsets or `Z` and 0–7 fractional digits, and ISO 8601 durations
 * consistent with the timestamps (length = ended − started, waited = queue left − created).
 */
import { CHATBOT, GUEST_LINES } from '../catalog.js';
import type { Rng } from '../random.js';
import { drawAftermath } from './aftermath.js';
import { close, serve } from './conversation.js';
import { drawGuest } from './guest-profile.js';
import { callback, dialerCampaign, outbound, previewCampaign } from './outbound-calls.js';
import { routeToOperator } from './routing-request.js';
import type { SessionDraft } from './session-draft.js';
import { SessionPlanner, type Channel } from './session-planner.js';

/** One session's draft; `load` is 0 (night) … 1 (peak hour): queues are longer when busy. */
export function planSession(r: Rng, id: number, created: number, load: number): SessionDraft {
  const p = new SessionPlanner(r, id, created, load);
  const { d } = p;
  const channel: Channel = r.weighted([['Chat', 0.55], ['Phone', 0.3], ['AV', 0.15]] as const);
  d.channel = channel;
  d.departmentId = r.chance(0.72) ? 62 : 63;
  drawGuest(p, channel);
  if (channel === 'Chat') {
    const kind = r.weighted([['inbound', 0.78], ['chatbot', 0.07], ['handoff', 0.05], ['direct', 0.04], ['leftBeforeQueue', 0.03], ['whatsapp', 0.03]] as const);
    if (kind === 'inbound') inbound(p, 'Default');
    else if (kind === 'whatsapp') inbound(p, 'WhatsApp');
    else if (kind === 'chatbot') chatbot(p, false);
    else if (kind === 'handoff') chatbot(p, true);
    else if (kind === 'direct') direct(p, 'ChatInvitation');
    else leftBeforeQueue(p);
  } else if (channel === 'Phone') {
    const kind = r.weighted([['inbound', 0.6], ['outbound', 0.18], ['callback', 0.07], ['preview', 0.08], ['dialer', 0.07]] as const);
    if (kind === 'inbound') inbound(p, 'IncomingCall');
    else if (kind === 'outbound') outbound(p);
    else if (kind === 'callback') callback(p);
    else if (kind === 'preview') previewCampaign(p);
    else dialerCampaign(p);
  } else {
    if (r.chance(0.85)) inbound(p, 'Default');
    else direct(p, 'Invitation');
  }
  drawAftermath(p);
  return d;
}

/** Guest comes in, is routed to a group, an operator accepts (or not), they talk. */
function inbound(p: SessionPlanner, source: string): void {
  const { r, d } = p;
  d.source = source;
  const channel = d.channel as Channel;
  const joinDelay = channel === 'Chat' ? r.between(0.005, 0.03) : channel === 'Phone' ? r.between(0, 0.002) : r.between(0.1, 1);
  d.guestJoined = p.after(d.created, joinDelay);
  if (channel === 'Chat') p.act(p.after(d.guestJoined, r.between(0.2, 3)), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
  const res = routeToOperator(p, p.after(d.created, r.between(0.005, 0.25)), p.groupOf(d.departmentId), {});
  if (res) {
    d.started = res.accepted;
    serve(p, res.op, res.accepted, res.group, { blacklistable: channel === 'Chat' });
  }
}

function chatbot(p: SessionPlanner, handoff: boolean): void {
  const { r, d } = p;
  d.source = 'Default';
  d.guestJoined = p.after(d.created, r.between(0.005, 0.03));
  const joined = p.after(d.created, r.between(0.1, 0.5));
  p.act(joined, 'ChatbotMessage', 'Chatbot', null, 'Dobrý den, jsem virtuální asistent. S čím vám mohu pomoci?', { chatbotId: CHATBOT.chatbotId });
  p.act(p.after(joined, r.between(3, 20)), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
  if (!handoff) {
    const end = p.after(joined, r.between(30, 300));
    d.chatbot = { joined, left: end };
    d.ended = end;
    d.guestLeft = 'LeftSession';
    d.waitedZero = r.chance(0.5);
    const reason = r.chance(0.5) ? 'ChatbotLeft' : 'GuestLeft';
    p.act(end, 'SessionEnded', reason === 'ChatbotLeft' ? 'Chatbot' : 'Guest', null, null, { terminationReason: reason });
    return;
  }
  const at = p.after(joined, r.between(20, 180));
  d.chatbot = { joined, left: at };
  p.act(at, 'Handoff', 'Chatbot', null, null, { chatbotId: CHATBOT.chatbotId });
  const res = routeToOperator(p, p.after(at, r.between(0.01, 0.1)), p.groupOf(d.departmentId), {});
  if (res) {
    d.started = res.accepted;
    serve(p, res.op, res.accepted, res.group, {});
  }
}

/** An operator starts the conversation (proactive chat or AV invitation): no routing; the guest joins later, or never. */
function direct(p: SessionPlanner, source: string): void {
  const { r, d } = p;
  d.source = source;
  d.isDirectChat = source === 'ChatInvitation';
  if (source === 'Invitation') d.directCallNumber = String(r.int(100_000, 999_999));
  const group = p.groupOf(d.departmentId);
  const op = p.pickOperator(group, []);
  const joined = p.after(d.created, r.between(0.05, 0.3));
  d.started = joined;
  d.guestAfterOperator = true;
  d.waitedZero = r.chance(0.5);
  d.stints.push({ userId: op, joined, left: null, concluded: null, note: null });
  p.act(joined, 'Joined', 'User', op);
  p.act(p.after(joined, 0.2), 'ChatMessage', 'User', op, 'Dobrý den, mohu vám s něčím pomoci?');
  if (r.chance(0.6)) {
    d.guestJoined = p.after(joined, r.between(5, 90));
    serve(p, op, d.guestJoined, group, { existingStint: true });
  } else {
    close(p, d.stints[0], p.after(joined, r.between(60, 300)), 'OperatorLeft', 'UNKNOWN');
  }
}

function leftBeforeQueue(p: SessionPlanner): void {
  const { r, d } = p;
  d.source = 'Default';
  d.guestJoined = p.after(d.created, r.between(0.005, 0.05));
  d.ended = p.after(d.guestJoined, r.between(1, 15));
  d.guestLeft = 'LeftBeforeQueue';
  d.waitedZero = r.chance(0.5);
  p.act(d.ended, 'SessionEnded', 'Guest', null, null, { terminationReason: 'GuestLeft' });
}

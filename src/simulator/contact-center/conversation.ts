/** The operators' part of a session, from the first accept to the conclusion form. */
import { GUEST_LINES, NOTES, OPERATOR_BY_ID, OPERATOR_LINES, type SimGroup } from '../catalog.js';
import { US, type StintDraft } from './session-draft.js';
import type { Channel, SessionPlanner } from './session-planner.js';

/**
 * `op` is in contact from `from` on; forwards (to a user, a group, there and back, or a phone),
 * invites of a second operator, the end of the session and after-call work. Adds the operator's
 * stint unless `existingStint` already did.
 */
export function serve(p: SessionPlanner, op: number, from: number, group: SimGroup, opts: { existingStint?: boolean; blacklistable?: boolean }): void {
  const { r, d } = p;
  const channel = d.channel as Channel;
  let current: StintDraft;
  if (opts.existingStint) {
    current = d.stints[d.stints.length - 1];
  } else {
    current = { userId: op, joined: from, left: null, concluded: null, note: null };
    d.stints.push(current);
    p.act(from, 'Joined', 'User', op);
  }
  let talk = channel === 'Chat' ? r.logNormal(420, 0.7) : channel === 'Phone' ? r.logNormal(180, 0.8) : r.logNormal(480, 0.6);
  if (r.chance(0.0008)) talk = 86_400 * r.between(1, 1.4); // a chat left open over a day: `P1DT…`
  const blacklist = opts.blacklistable === true && r.chance(0.003);
  if (blacklist) talk = r.between(20, 60);
  if (channel === 'Chat') p.act(p.after(from, Math.min(r.between(2, 20), talk / 2)), 'ChatMessage', 'User', op, r.pick(OPERATOR_LINES));
  let end = p.after(from, talk);
  let t = from;

  // Forwards: to a user, to a group, there and back again, or out to a phone number.
  const forward = blacklist
    ? 'none'
    : r.weighted([['none', 0.83], ['user', 0.06], ['group', 0.05], ['boomerang', 0.015], ['phone', channel === 'Phone' ? 0.02 : 0]] as const);
  if (forward === 'phone') {
    const at = p.after(t, (end - t) / US * r.between(0.2, 0.6));
    const rr = p.newRoutingRequest();
    const phone = p.phoneNumber();
    p.route(at, 'ForwardedToPhone', { rr, phone, forwardedBy: current.userId });
    p.route(p.after(at, 0.01), 'RoutingEnded', { rr });
    p.act(at, 'SessionForwarded', 'User', current.userId, null, { toPhoneNumber: phone });
    end = p.after(at, r.between(0.5, 2));
    close(p, current, end, 'CallForwardedToExternalPhone', 'LeftSession');
    return;
  }
  const hops = forward === 'none' ? [] : forward === 'boomerang' ? ['user', 'back'] : [forward];
  const first = current.userId;
  for (const hop of hops) {
    const at = p.after(t, (end - t) / US * r.between(0.2, 0.6));
    const rr = p.newRoutingRequest();
    const by = current.userId;
    let target: number;
    let assigned: number;
    let g2: SimGroup | undefined;
    if (hop === 'group') {
      g2 = p.groupOf(d.departmentId, group);
      p.route(at, 'ForwardedToGroup', { rr, group: g2, forwardedBy: by });
      const entered = p.after(at, 0.003);
      p.route(entered, 'EnteredGroupQueue', { rr, group: g2 });
      target = p.pickOperator(g2, [by]);
      assigned = p.after(entered, r.exp(20));
      p.route(assigned, 'AssignedToOperator', { rr, group: g2, op: target });
      p.act(at, 'SessionForwarded', 'User', by, null, { toGroupId: g2.id, toGroupName: g2.name, note: r.pick(NOTES) });
    } else {
      target = hop === 'back' ? first : p.pickOperator(group, [by]);
      const o = OPERATOR_BY_ID.get(target);
      p.route(at, 'ForwardedToUser', { rr, op: target, forwardedBy: by });
      assigned = p.after(at, 0.005);
      p.route(assigned, 'AssignedToOperator', { rr, op: target });
      p.act(at, 'SessionForwarded', 'User', by, null, { toOperatorUserId: target, toOperatorFullName: o ? `${o.firstName} ${o.lastName}` : null });
    }
    if (hop === 'user' && hops.length === 1 && r.chance(0.1)) {
      // The colleague does not pick up: the session stays with the forwarding operator.
      const expired = p.after(assigned, 20);
      p.route(expired, 'OperatorTimeoutExpired', { rr, op: target });
      p.route(p.after(expired, 0.005), 'RoutingEnded', { rr });
      t = expired;
      if (end <= t) end = p.after(t, r.between(30, 120));
      continue;
    }
    const accepted = p.after(assigned, r.between(1, 15));
    p.route(accepted, 'AcceptedByOperator', { rr, op: target });
    if (g2) p.route(accepted, 'LeftGroupQueue', { rr, group: g2 });
    p.route(p.after(accepted, 0.005), 'RoutingEnded', { rr });
    // The forwarding operator stays until the colleague accepts, then writes a short note (ACW).
    current.left = accepted;
    current.concluded = p.after(accepted, r.between(0, 60));
    current.note = r.pick(NOTES);
    current = { userId: target, joined: accepted, left: null, concluded: null, note: null };
    d.stints.push(current);
    p.act(accepted, 'Joined', 'User', target);
    t = accepted;
    if (end <= t) end = p.after(t, r.between(30, 300));
  }

  // An invite: a second operator joins (or declines and appears only in the routing history).
  if (!blacklist && r.chance(0.05)) {
    const at = p.after(t, (end - t) / US * r.between(0.1, 0.5));
    const rr = p.newRoutingRequest();
    const by = current.userId;
    const invitee = p.pickOperator(group, d.stints.map((s) => s.userId));
    if (r.chance(0.85)) {
      p.route(at, 'InvitedUser', { rr, op: invitee, invitedBy: by });
    } else {
      const g2 = p.groupOf(d.departmentId, group);
      p.route(at, 'InvitedGroup', { rr, group: g2, invitedBy: by });
      p.route(p.after(at, 0.003), 'EnteredGroupQueue', { rr, group: g2 });
    }
    p.act(at, 'OperatorInvited', 'User', by, null, { toOperatorUserId: invitee });
    const assigned = p.after(at, 0.01);
    p.route(assigned, 'AssignedToOperator', { rr, op: invitee });
    if (r.chance(0.2)) {
      const expired = p.after(assigned, 20);
      p.route(expired, 'OperatorTimeoutExpired', { rr, op: invitee });
      p.route(p.after(expired, 0.005), 'RoutingEnded', { rr });
      p.act(expired, 'OperatorInviteRejected', 'User', invitee);
      if (end <= expired) end = p.after(expired, r.between(30, 120));
    } else {
      const accepted = p.after(assigned, r.between(2, 15));
      p.route(accepted, 'AcceptedByOperator', { rr, op: invitee });
      p.route(p.after(accepted, 0.005), 'RoutingEnded', { rr });
      if (end <= accepted) end = p.after(accepted, r.between(60, 300));
      const guestStint: StintDraft = { userId: invitee, joined: accepted, left: null, concluded: null, note: null };
      d.stints.push(guestStint);
      p.act(accepted, 'Joined', 'User', invitee);
      if (r.chance(0.5)) {
        // Leaves early: gets `left` and concludes on their own.
        guestStint.left = p.after(accepted, (end - accepted) / US * r.between(0.2, 0.8));
        guestStint.concluded = p.after(guestStint.left, r.between(0, 90));
      } else {
        // Stays to the end: only the main operator gets `left`; this one only concludes.
        guestStint.concluded = p.after(end, r.between(1, 120));
      }
      guestStint.note = r.pick(NOTES);
    }
  }

  if (channel === 'Chat' && end - t > 30 * US) p.act(p.after(t, (end - t) / US * 0.5), 'ChatMessage', 'Guest', null, r.pick(GUEST_LINES));
  if (blacklist) d.blacklisted = true;
  const guestEnds = r.chance(0.55);
  close(p, current, end, guestEnds ? 'GuestLeft' : 'OperatorLeft', guestEnds ? 'LeftSession' : 'LeftAfterSession');
}

/** The session ends at `end`; the last operator leaves then and does after-call work. */
export function close(p: SessionPlanner, last: StintDraft, end: number, reason: string, guestLeft: string): void {
  const { r, d } = p;
  d.ended = end;
  d.guestLeft = guestLeft;
  last.left = end;
  const acw = r.weighted([['zero', 0.06], ['normal', 0.933], ['forgotten', 0.003], ['skew', 0.004]] as const);
  if (acw === 'zero') last.concluded = end;
  // The operator forgets the conclusion form until the end of the shift: ACW open for hours.
  else if (acw === 'forgotten') last.concluded = p.after(end, r.between(2 * 3600, 8 * 3600));
  else if (acw === 'skew') last.concluded = end - r.int(5, 50) * 1000; // a concluding server slightly behind: negative ACW
  else last.concluded = p.after(end, Math.min(1800, r.logNormal(35, 0.9)));
  last.note = r.pick(NOTES);
  p.act(end, 'SessionEnded', reason === 'OperatorLeft' ? 'User' : 'Guest', reason === 'OperatorLeft' ? last.userId : null, null, { terminationReason: reason });
}

/**
 * What happens to a session after its story: clock skews of the routing server, recordings,
 * tags, guest feedback, and the instants from which its status and content stop changing.
 */
import { TAG_NAMES } from '../catalog.js';
import type { SessionPlanner } from './session-planner.js';

/** Also sorts the activities by time: rendering stops at the first one after `now`. */
export function drawAftermath(p: SessionPlanner): void {
  const { r, d } = p;
  // A routing server whose clock is a little behind: first routing event before `created`
  // (negative created_s), rarely an accept before its assignment (negative waiting).
  if (d.routing.length && r.chance(0.008)) {
    const skew = r.int(20, 400) * 1000;
    for (const e of d.routing) e.t -= skew;
  } else if (d.autoAccepted && r.chance(0.05)) {
    const acc = d.routing.find((e) => e.type === 'AcceptedByOperator');
    if (acc) acc.t -= r.int(1, 30) * 1000;
  }
  d.routingReversed = d.routing.length > 1 && r.chance(0.02);

  if ((d.channel === 'Phone' || d.channel === 'AV') && d.ended !== null && d.started !== null) {
    for (const s of d.stints) {
      const until = s.left ?? d.ended;
      if (until > s.joined) d.recordings.push({ started: s.joined, duration: until - s.joined, type: 'Operator', userId: s.userId });
    }
    if (d.channel === 'AV' && d.recordings.length) d.recordings.push({ started: d.started, duration: d.ended - d.started, type: 'AllParticipants', userId: null });
    if (d.recordings.length) {
      d.recordingsProcessedAt = p.after(d.ended, r.between(30, 180));
      d.recordingsFailed = r.chance(0.02);
    }
  }
  const lastOp = d.stints.length ? d.stints[d.stints.length - 1] : undefined;
  if (lastOp && d.ended !== null && r.chance(0.35)) {
    const at = lastOp.concluded ?? d.ended;
    for (const name of new Set([r.pick(TAG_NAMES), ...(r.chance(0.3) ? [r.pick(TAG_NAMES)] : [])])) d.tags.push({ t: at, name, userId: lastOp.userId });
  }
  if (d.started !== null && d.ended !== null && d.channel !== 'Phone' && r.chance(0.2)) {
    const nps = r.chance(0.15);
    d.feedback = { t: p.after(d.ended, r.between(5, 60)), stars: nps ? r.int(0, 10) : r.int(1, 5), scale: nps ? 'NPS' : 'Likert', text: r.chance(0.3) ? r.pick(['Rychlé vyřízení', 'Děkuji', 'Nic mi nevyřešili', 'Super']) : null };
  }

  const ended = d.ended ?? d.created;
  let closed = ended;
  let settled = ended;
  for (const s of d.stints) if (s.concluded !== null) closed = Math.max(closed, s.concluded);
  settled = Math.max(settled, closed, d.recordingsProcessedAt ?? 0, d.feedback?.t ?? 0);
  d.closedAt = closed;
  d.settledAt = settled;
  d.activities.sort((a, b) => a.t - b.t);
}

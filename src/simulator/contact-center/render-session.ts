/**
 * A draft rendered as the API would show it at an instant `now` (µs since the epoch): whatever
 * happens after `now` is not there yet (no `ended`, operators without `concluded`, a status that is
 * not CLOSED, fewer routing events). So the same session "concludes" as simulated time passes,
 * while its randomness never depends on `now`.
 */
import { CHATBOT, COMPANY_ID, OPERATOR_BY_ID } from '../catalog.js';
import { formatDuration, formatTimestamp } from '../iso-format.js';
import type { Activity, RoutingTimeLine, SessionModel } from '../payloads.js';
import { renderRoutingHistory } from './render-routing-history.js';
import type { SessionDraft } from './session-draft.js';

export interface SimulatedSession {
  session: SessionModel;
  routingHistory: RoutingTimeLine[];
}

/** "Far future": every session fully concluded. */
export const END_OF_TIME_US = Number.MAX_SAFE_INTEGER;

/** The status a session shows at `now` (µs). */
function statusAt(d: SessionDraft, now: number): string {
  if (d.ended !== null && d.ended <= now) {
    if (d.closedAt <= now) return d.blacklisted ? 'BLACKLISTED' : 'CLOSED';
    return 'ACW';
  }
  if (d.started !== null && d.started <= now) {
    return d.guestAfterOperator && !(d.guestJoined !== null && d.guestJoined <= now) ? 'BCW' : 'ACTIVE';
  }
  if (d.firstAssign !== null && d.firstAssign <= now) return 'WAITING';
  if (d.routingStart !== null && d.routingStart <= now) return 'IN_QUEUE';
  if (d.chatbot !== null && d.chatbot.joined <= now) return 'ACTIVE';
  return 'CREATED';
}

function dropNulls(obj: Record<string, unknown>): void {
  for (const k of Object.keys(obj)) if (obj[k] === null) delete obj[k];
}

/** Renders a draft as `GET /Sessions/{id}` and `/routingHistory` would show it at `now` (µs since the epoch). */
export function renderSession(d: SessionDraft, now: number = END_OF_TIME_US): SimulatedSession {
  const style = d.style;
  const fmt = (t: number) => formatTimestamp(t, style === 0 ? 'local' : style === 1 ? 'utc' : Math.floor(t / 1000) % 3 === 0 ? 'utc' : 'local');
  const at = (t: number | null) => (t === null || t > now ? null : fmt(t));
  const seen = (t: number | null) => t !== null && t <= now;
  const ended = seen(d.ended);
  const created = fmt(d.created);

  const operators = [];
  for (const s of d.stints) {
    if (s.joined > now) continue;
    const o = OPERATOR_BY_ID.get(s.userId);
    const concluded = at(s.concluded);
    const note = concluded === null ? null : s.note;
    const op: Record<string, unknown> = {
      userId: s.userId, userName: o?.userName ?? null, firstName: o?.firstName ?? null, lastName: o?.lastName ?? null,
      joined: fmt(s.joined), left: at(s.left), concluded, feedbackResult: null, feedbackText: note, note,
    };
    if (d.omitNulls) dropNulls(op);
    operators.push(op);
  }

  const activities: Activity[] = [];
  for (let i = 0; i < d.activities.length; i++) {
    const a = d.activities[i];
    if (a.t > now) break; // sorted by time
    const item: Activity = { activityId: d.id * 100 + i, time: fmt(a.t), type: a.type, client: a.client, userId: a.userId, text: a.text };
    if (a.extra) Object.assign(item, a.extra);
    activities.push(item);
  }

  let recordings: SessionModel['recordings'] = null;
  let recordingsState: string | null = null;
  if (d.recordings.length && ended) {
    const processed = seen(d.recordingsProcessedAt);
    recordingsState = processed ? (d.recordingsFailed ? 'FailedToProcess' : 'Processed') : 'Processing';
    recordings = d.recordings.map((rec, i) => ({
      id: d.id * 10 + i, name: `rec_${d.id}_${i}.ogg`, started: fmt(rec.started), duration: formatDuration(rec.duration),
      type: rec.type, userId: rec.userId, serviceId: null,
      downloadUrl: processed && !d.recordingsFailed ? `https://sim.mluvii.invalid/recordings/${d.id * 10 + i}` : null,
      isUploading: !processed, isDeleted: false,
    }));
  }

  const feedback = d.feedback && seen(d.feedback.t) ? d.feedback : null;
  const waited =
    d.queueLeft !== null ? (seen(d.queueLeft) ? formatDuration(d.queueLeft - d.created) : null) : d.waitedZero && ended ? 'PT0S' : null;
  const session: SessionModel = {
    id: d.id,
    companyId: COMPANY_ID,
    departmentId: d.departmentId,
    guest: d.guest,
    channel: d.channel,
    source: d.source,
    status: statusAt(d, now),
    avSupport: d.avSupport,
    directCallNumber: d.directCallNumber,
    phoneCallbackNumber: d.phoneCallbackNumber,
    isDirectChat: d.isDirectChat,
    url: d.url,
    widget: d.widget,
    operators: operators as SessionModel['operators'],
    reviewers: [],
    enteredQueue: created,
    created,
    guestJoined: at(d.guestJoined),
    started: at(d.started),
    ended: at(d.ended),
    waited,
    length: ended && d.started !== null && d.ended !== null ? formatDuration(d.ended - d.started) : null,
    blacklisted: d.blacklisted && ended,
    phoneCallbackDialed: at(d.phoneCallbackDialed),
    activities,
    tags: d.tags.filter((t) => t.t <= now).map((t) => ({ userId: t.userId, name: t.name })),
    chatbots: d.chatbot && d.chatbot.joined <= now ? [{ chatbotId: CHATBOT.chatbotId, name: CHATBOT.name, joined: fmt(d.chatbot.joined), left: at(d.chatbot.left) }] : [],
    guestFeedbackStars: feedback?.stars ?? null,
    guestFeedbackScale: feedback?.scale ?? null,
    guestFeedbackText: feedback?.text ?? null,
    autoAccepted: d.autoAccepted,
    guestFeedbackCustomFields: null,
    recordings,
    recordingsState,
    guestLeftSession: ended ? d.guestLeft : 'StillConnected',
    outboundDialResult: d.dialResult === null ? null : seen(d.dialResultAt) ? d.dialResult : 'DIALING',
    campaignId: d.campaignId,
  };
  if (d.omitNulls) dropNulls(session);
  return { session, routingHistory: renderRoutingHistory(d, now, fmt) };
}

/**
 * Anonymization as mluvii does it (docs/privacy.md, "What mluvii anonymizes"): an administrator
 * can have sessions anonymized automatically some days after they were created, and a session can
 * be anonymized on request (`POST /api/v1/Sessions/{id}/anonymize`). The anonymized session keeps
 * its ids, timestamps, operators and routing; its messages, files, recordings, session parameters,
 * result and feedback are wiped. What mluvii does not say it wipes (the guest's IP address,
 * browser, phone number) stays: the warehouse removes those itself.
 */
import type { SessionDraft } from './contact-center/session-draft.js';
import type { RoutingTimeLine, SessionModel } from './payloads.js';

const DAY_US = 86_400 * 1_000_000;

export class Anonymizer {
  /** Session id → when it was anonymized on request (µs). */
  private readonly requested = new Map<number, number>();

  /** `afterDays`: the tenant's automatic anonymization, sessions this many days after they were created; undefined: off. */
  constructor(public afterDays: number | undefined) {}

  /** When the session is (or will be) anonymized, µs; undefined: never. */
  anonymizedAt(d: SessionDraft): number | undefined {
    const auto = this.afterDays === undefined ? undefined : d.created + this.afterDays * DAY_US;
    const asked = this.requested.get(d.id);
    if (auto === undefined) return asked;
    return asked === undefined ? auto : Math.min(auto, asked);
  }

  /** Anonymizes the session at `now` (µs), unless it was already. */
  request(id: number, now: number): void {
    const before = this.requested.get(id);
    if (before === undefined || before > now) this.requested.set(id, now);
  }

  /** Ids anonymized on request in [fromUs, toUs). */
  requestedIn(fromUs: number, toUs: number): number[] {
    return [...this.requested].filter(([, at]) => at >= fromUs && at < toUs).map(([id]) => id);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The session as mluvii shows it once anonymized (mutates the freshly rendered payload).
 * `dropTimes` (misbehaviour `anonymizationDropsTimes`): the anonymized payload also loses the
 * operators' leave and conclusion times and the session's length.
 */
export function wipeAnonymized(session: SessionModel, routingHistory: RoutingTimeLine[], dropTimes: boolean): void {
  for (const a of session.activities ?? []) {
    if (!isObject(a)) continue;
    if ('text' in a) a.text = null;
    if ('chatbotMessageContent' in a) a.chatbotMessageContent = null;
    if ('submissionParams' in a) a.submissionParams = null;
    if (isObject(a.file)) a.file = { ...a.file, name: null, downloadUrl: null, isDeleted: true };
  }
  if (Array.isArray(session.recordings)) session.recordings = session.recordings.map((r) => ({ ...r, name: null, downloadUrl: null, isDeleted: true }));
  if (isObject(session.guest)) session.guest = { ...session.guest, callParams: {} };
  for (const o of [...(session.operators ?? []), ...(session.reviewers ?? [])]) {
    if (!isObject(o)) continue;
    if ('note' in o) o.note = null;
    if ('feedbackText' in o) o.feedbackText = null;
    if ('feedbackResult' in o) o.feedbackResult = null;
    if (dropTimes) {
      if ('left' in o) o.left = null;
      if ('concluded' in o) o.concluded = null;
    }
  }
  if (dropTimes && 'length' in session) session.length = null;
  session.guestFeedbackStars = null;
  session.guestFeedbackScale = null;
  session.guestFeedbackText = null;
  session.guestFeedbackCustomFields = null;
  void routingHistory; // routing survives an anonymization
}

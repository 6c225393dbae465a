/**
 * Misbehaviour `personalMarkers`: the picked sessions carry a recognisable string in every field
 * that holds personal data (`pii-<session id>-<field>`), so a test can search a dump of the whole
 * warehouse, its logs and the files folder for what should have been erased — and find it where it
 * should still be. The guest's phone number is `personalMarkerPhone(id)`. Mutates a freshly
 * rendered payload, never the draft it came from.
 */
import type { RoutingTimeLine, SessionModel } from './payloads.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The marker of a session's field: unique per session (the id is closed by a dash). */
export const personalMarker = (id: number, field: string): string => `pii-${id}-${field}`;

/** A phone number of the session's own (its national part: 7 and the id's last 8 digits). */
export const personalMarkerPhone = (id: number): string => `+420 7${String(id % 100_000_000).padStart(8, '0').replace(/(\d{2})(\d{3})(\d{3})/, '$1 $2 $3')}`;

/** The e-mail address the guest of a marked session gave. */
export const personalMarkerEmail = (id: number): string => `${personalMarker(id, 'mail')}@example.cz`;

export function plantPersonalMarkers(session: SessionModel, routingHistory: RoutingTimeLine[]): void {
  const id = Number(session.id);
  const m = (field: string) => personalMarker(id, field);
  const phone = personalMarkerPhone(id);
  session.guest = {
    ...session.guest,
    ipAddress: m('ip'),
    browser: m('browser'),
    identity: m('identity'),
    trackedId: m('tracked'),
    callParams: { ...session.guest?.callParams, oo1_guest_email: personalMarkerEmail(id), oo1_guest_phone: phone, customer: m('param') },
  };
  session.phoneCallbackNumber = phone;
  session.url = `https://shop.example.cz/order?who=${m('url')}`;
  session.guestFeedbackText = m('feedback');
  const activities = session.activities ?? [];
  const first = activities.find((a) => isObject(a) && typeof a.text === 'string') ?? activities[0];
  if (first) {
    first.text = `${typeof first.text === 'string' ? `${first.text} ` : ''}${m('chat')}`;
    first.submissionParams = { email: m('form') };
  }
  let files = 0;
  for (const a of activities) if (isObject(a) && isObject(a.file)) a.file = { ...a.file, name: `${m(`file${files++}`)}.pdf` };
  if (Array.isArray(session.recordings)) session.recordings = session.recordings.map((r, i) => ({ ...r, name: `${m(`rec${i}`)}.ogg` }));
  for (const o of session.operators ?? []) if (isObject(o) && 'note' in o) o.note = m('note');
  for (const e of routingHistory) if (isObject(e) && typeof e.phoneNumber === 'string') e.phoneNumber = phone;
}

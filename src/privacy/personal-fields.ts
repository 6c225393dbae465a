/**
 * Which fields of a session are personal data, in one list, and the one function that removes
 * them (docs/privacy.md gives the reasoning per field; a test keeps the two equal). Pure: no I/O.
 *
 * What stays is what the durations and KPIs are computed from — ids, timestamps, status, channel,
 * source, operators' ids and times, activity types and times, file ids and states, routing — so
 * the transform gives the same numbers from a payload without its personal data
 * (test/privacy/personal-fields.test.ts proves it on thousands of simulated sessions). Operators'
 * names are employees' data, kept for the operator views; `forget --operator` pseudonymizes them
 * (operator-pseudonym.ts).
 *
 * A path is a key, `a.b` (nested object), `a[].b` (every element of an array) or `a.*` (every key
 * of an object). A removed value becomes null; a key that is absent stays absent.
 */

export type PersonalKind =
  | 'guest identity'
  | 'contact details'
  | 'call parameters'
  | 'message text'
  | 'note text'
  | 'file name'
  | 'form answers'
  | 'IP address'
  | 'browser details';

export interface PersonalField {
  path: string;
  kind: PersonalKind;
  why: string;
}

/** The personal fields of a session payload (GET /api/v1/Sessions item or detail). */
export const PERSONAL_SESSION_FIELDS: readonly PersonalField[] = [
  { path: 'guest.identity', kind: 'guest identity', why: "the guest's id in the contact directory: points at one person" },
  { path: 'guest.channelIdentity', kind: 'guest identity', why: 'links the browser cookie to that identity' },
  { path: 'guest.trackedId', kind: 'guest identity', why: 'a cookie id per browser: follows the person across sessions' },
  { path: 'guest.tempId', kind: 'guest identity', why: "the guest's id within the session; no figure needs it" },
  { path: 'guest.ipAddress', kind: 'IP address', why: 'an online identifier, personal data under the GDPR' },
  { path: 'guest.browser', kind: 'browser details', why: "the guest's browser: with the other details it fingerprints the person" },
  { path: 'guest.os', kind: 'browser details', why: "the guest's operating system, part of the same fingerprint" },
  { path: 'guest.language', kind: 'browser details', why: "the browser's language, part of the same fingerprint" },
  { path: 'guest.gdprVersion', kind: 'guest identity', why: 'which consent this person gave; no figure needs it' },
  { path: 'guest.callParams', kind: 'call parameters', why: "session parameters: the guest's e-mail and phone (oo1_guest_email, oo1_guest_phone), pages visited, whatever the web site passes (order numbers, customer ids)" },
  { path: 'guest.*', kind: 'guest identity', why: 'any other field of the guest, including those mluvii adds later: it is about the person' },
  { path: 'phoneCallbackNumber', kind: 'contact details', why: "the guest's phone number (phone sessions, callbacks)" },
  { path: 'directCallNumber', kind: 'contact details', why: 'the number a guest called in on' },
  { path: 'url', kind: 'guest identity', why: "the page the guest came from: it traces their browsing, and its query may carry an e-mail or a customer id" },
  { path: 'guestFeedbackText', kind: 'message text', why: 'what the guest wrote as feedback' },
  { path: 'guestFeedbackCustomFields', kind: 'form answers', why: 'answers to the feedback form' },
  { path: 'operators[].note', kind: 'note text', why: "the operator's note about the session: often names what the guest wanted" },
  { path: 'operators[].feedbackText', kind: 'note text', why: 'the same note (an older name of it)' },
  { path: 'operators[].feedbackResult', kind: 'note text', why: "the result the operator chose in the conclusion form" },
  { path: 'reviewers[].note', kind: 'note text', why: "a reviewer's note about the session" },
  { path: 'reviewers[].feedbackText', kind: 'note text', why: 'the same note (an older name of it)' },
  { path: 'activities[].text', kind: 'message text', why: 'the chat messages themselves' },
  { path: 'activities[].chatbotMessageContent', kind: 'message text', why: "a chatbot's message, often quoting the guest" },
  { path: 'activities[].note', kind: 'note text', why: "an operator's note when forwarding the session" },
  { path: 'activities[].toPhoneNumber', kind: 'contact details', why: 'the phone number a session was forwarded to' },
  { path: 'activities[].submissionParams', kind: 'form answers', why: 'what the guest entered in a form (name, e-mail, phone, free text)' },
  { path: 'activities[].submissionIdentification', kind: 'form answers', why: 'the identification the guest gave in a form' },
  { path: 'activities[].chatbotHeroCardSubmissionKey', kind: 'form answers', why: "a chatbot form's answer key" },
  { path: 'activities[].chatbotHeroCardSubmissionValue', kind: 'form answers', why: "a chatbot form's answer" },
  { path: 'activities[].file.name', kind: 'file name', why: 'chosen by the guest: often their name, a document number, a photo of them' },
  { path: 'activities[].file.downloadUrl', kind: 'file name', why: "the address of the file's content (it may carry the name)" },
  { path: 'recordings[].name', kind: 'file name', why: 'a recording is the guest speaking; its name may say who' },
  { path: 'recordings[].downloadUrl', kind: 'file name', why: "the address of the recording's content" },
];

/** The personal fields of a routing history entry (GET /api/v1/Sessions/{id}/routingHistory). */
export const PERSONAL_ROUTING_FIELDS: readonly PersonalField[] = [
  { path: 'phoneNumber', kind: 'contact details', why: 'the external phone number a session was forwarded to or came from' },
];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets the value at `segments` to null wherever it is present (see the file comment for paths). */
function removeAt(value: unknown, segments: readonly string[]): void {
  if (segments.length === 0) return;
  const [head, ...rest] = segments;
  if (head === '[]') {
    if (Array.isArray(value)) for (const item of value) removeAt(item, rest);
    return;
  }
  if (!isObject(value)) return;
  if (head === '*') {
    for (const key of Object.keys(value)) {
      if (rest.length === 0) value[key] = null;
      else removeAt(value[key], rest);
    }
    return;
  }
  if (!(head in value)) return;
  if (rest.length === 0) value[head] = null;
  else removeAt(value[head], rest);
}

const segmentsOf = (path: string): string[] => path.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]));
const SESSION_PATHS = PERSONAL_SESSION_FIELDS.map((f) => segmentsOf(f.path));
const ROUTING_PATHS = PERSONAL_ROUTING_FIELDS.map((f) => segmentsOf(f.path));

/** A copy of a session payload without its personal data (anything that is not an object comes back as it is). */
export function withoutPersonalData(payload: unknown): unknown {
  if (!isObject(payload)) return payload;
  const copy = structuredClone(payload);
  for (const segments of SESSION_PATHS) removeAt(copy, segments);
  return copy;
}

/**
 * A copy of a routing history without its personal data. It may come as a bare array or wrapped
 * in an object (the transform accepts both), so every object in it is looked at.
 */
export function routingWithoutPersonalData(routing: unknown): unknown {
  if (routing === null || typeof routing !== 'object') return routing;
  const copy = structuredClone(routing);
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (isObject(v)) {
      for (const segments of ROUTING_PATHS) removeAt(v, segments);
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') visit(x, depth + 1);
    }
  };
  visit(copy, 0);
  return copy;
}

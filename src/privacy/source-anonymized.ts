/**
 * Whether a payload the API lists as anonymized looks it: mluvii wipes messages, session
 * parameters and feedback when it anonymizes a session (docs/privacy.md). A listed session that
 * still carries them is not taken for anonymized: an API that ignored the Anonymized filter would
 * otherwise have the sweep remove the personal data of sessions mluvii still keeps. Pure.
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';

export function looksAnonymized(payload: unknown): boolean {
  if (!isObject(payload)) return false;
  if (filled(payload.guestFeedbackText)) return false;
  const guest = payload.guest;
  if (isObject(guest) && isObject(guest.callParams) && Object.values(guest.callParams).some(filled)) return false;
  if (Array.isArray(payload.activities) && payload.activities.some((a) => isObject(a) && filled(a.text))) return false;
  return true;
}

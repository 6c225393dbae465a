/**
 * `forget --guest <e-mail or phone>`: the value a guest is found by in the stored payloads, as a
 * Postgres regular expression. Pure: no I/O. The value itself is personal data: it is never
 * echoed in a message, a log line or etl.runs.
 */

export type GuestKey = { kind: 'email'; pattern: string } | { kind: 'phone'; pattern: string };

/** The digits a phone number is found by: its national part (the last 9), whatever prefix and separators surround it. */
const PHONE_DIGITS = 9;
const SEPARATORS = '[ ./()-]*';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An e-mail address is matched whole and without case (bojan@x.cz is not jan@x.cz); a phone
 * number by its last nine digits, with any country prefix (+420, 00420) and any spaces, dots,
 * dashes or brackets between the digits. Returns the reason instead when the value is neither.
 */
export function guestKey(raw: string): GuestKey | { problem: string } {
  const value = raw.trim();
  if (value.includes('@')) {
    if (!/^[^\s@"'\\]+@[^\s@"'\\]+\.[^\s@"'\\]+$/.test(value)) return { problem: 'is not an e-mail address (name@domain.tld)' };
    return { kind: 'email', pattern: `(^|[^a-z0-9._%+-])${escapeRegex(value.toLowerCase())}($|[^a-z0-9.-])` };
  }
  if (!/^\+?[0-9 ./()-]+$/.test(value)) return { problem: 'is neither an e-mail address nor a phone number (digits, with + . - / ( ) and spaces)' };
  const digits = value.replace(/\D/g, '');
  if (digits.length < PHONE_DIGITS) return { problem: `is a phone number of fewer than ${PHONE_DIGITS} digits: too short to name one guest` };
  const tail = [...digits.slice(-PHONE_DIGITS)].join(SEPARATORS);
  return { kind: 'phone', pattern: `(^|[^0-9])(\\+|00)?([0-9]${SEPARATORS}){0,3}${tail}($|[^0-9])` };
}

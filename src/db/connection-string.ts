/**
 * The user, password and database of a Postgres connection string, read the way a person may have
 * written it: percent-encoded as URLs require (`Pa%40ss`), or not (`postgres://etl:Pa@ss/w0rd@db/wh`).
 * Redaction must hide the whole password either way, so it never trusts the URL parser alone:
 * an unencoded '@' or '/' moves where a parser thinks the password ends.
 */

/** A connection string cut at its user info: everything between `://` and the LAST '@'. */
interface Userinfo {
  /** `postgres://` */
  scheme: string;
  user: string;
  /** The password as written (percent-encoded where it was); undefined without one. */
  password: string | undefined;
  /** What follows the '@': host, port, path, query. */
  rest: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i;

/**
 * The LAST '@' ends the user info: a password may hold '@', ':' or '/' unencoded, a host never
 * holds '@'. (An '@' in the query then counts as part of the password: more is hidden, never less.)
 */
function splitUserinfo(raw: string): Userinfo | undefined {
  const m = SCHEME.exec(raw);
  if (!m) return undefined;
  const at = m[2].lastIndexOf('@');
  if (at < 0) return { scheme: m[1], user: '', password: undefined, rest: m[2] };
  const info = m[2].slice(0, at);
  const colon = info.indexOf(':');
  return {
    scheme: m[1],
    user: colon < 0 ? info : info.slice(0, colon),
    password: colon < 0 ? undefined : info.slice(colon + 1),
    rest: m[2].slice(at + 1),
  };
}

/** The connection string as node-postgres reads it (pg-connection-string: the URL parser, an empty host allowed). */
function parsed(raw: string): URL | undefined {
  for (const candidate of [raw, raw.replace('@/', '@___DUMMY___/')]) {
    try {
      return new URL(candidate);
    } catch {
      // next
    }
  }
  return undefined;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray '%': taken as written
  }
}

/** Hides the whole password (and a `password=` query parameter), however the string is written. */
export function redactConnectionString(raw: string): string {
  const queryPassword = /([?&]password=)[^&#]*/gi;
  const parts = splitUserinfo(raw);
  if (!parts || parts.password === undefined) return raw.replace(queryPassword, '$1***');
  return `${parts.scheme}${parts.user}:***@${parts.rest.replace(queryPassword, '$1***')}`;
}

/** The password (decoded), to be scrubbed from every message; undefined without one. */
export function connectionPassword(raw: string): string | undefined {
  const url = parsed(raw);
  if (url?.password) return decoded(url.password);
  const fromUrl = url?.searchParams.get('password');
  if (fromUrl) return fromUrl;
  const written = splitUserinfo(raw)?.password;
  return written ? decoded(written) : undefined;
}

/** The database the string names (node-postgres: the path, else the user's name); undefined when unreadable. */
export function connectionDatabase(raw: string): string | undefined {
  const url = parsed(raw);
  if (!url) return undefined;
  const path = url.pathname.replace(/^\//, '');
  return path ? decoded(path) : url.username ? decoded(url.username) : undefined;
}

/** Characters a password must not hold unencoded in a URL, with their encoding. */
const MUST_ENCODE: Array<[string, string]> = [['@', '%40'], ['/', '%2F'], ['?', '%3F'], ['#', '%23'], [' ', '%20']];

/**
 * What is wrong with how the string is written, if anything:
 * - `unreadable`: no URL parser can read it (node-postgres would fail with "Invalid URL");
 * - `unencoded`: it is read, but its password holds characters that URLs reserve, so a parser may
 *   cut it in the wrong place.
 * Both name the characters to percent-encode, never the password itself.
 */
export function connectionStringProblem(raw: string): { kind: 'unreadable' | 'unencoded'; message: string } | undefined {
  const password = splitUserinfo(raw)?.password ?? '';
  const found = MUST_ENCODE.filter(([c]) => password.includes(c));
  const badPercent = /%(?![0-9a-f]{2})/i.test(password);
  const advice = [...found.map(([c, e]) => `'${c}' as ${e}`), ...(badPercent ? ["'%' as %25"] : [])];
  const encode = advice.length
    ? `percent-encode the characters of its password that URLs reserve (${advice.join(', ')})`
    : "percent-encode the special characters of its user name and password ('@' as %40, '/' as %2F, ':' as %3A, '%' as %25)";
  if (!parsed(raw)) return { kind: 'unreadable', message: `DATABASE_URL cannot be read as a URL (${redactConnectionString(raw)}): ${encode}` };
  if (advice.length) return { kind: 'unencoded', message: `DATABASE_URL: ${encode}; written as it is, the password may be read wrongly` };
  return undefined;
}

import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear, so a secret or a payload that slips into a log
 * object never reaches the output. Strings are also scrubbed by `scrubSecrets` before they are
 * logged as errors.
 */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'Authorization', '*.headers.Authorization',
  'databaseUrl', '*.databaseUrl', 'DATABASE_URL', 'config.mluviiClientSecret', 'mluviiClientSecret', 'reportingRolePassword', '*.reportingRolePassword',
  // Payload contents are personal data (docs/privacy.md): no log line carries them, at any level, even by mistake.
  'payload', '*.payload', 'routingHistory', '*.routingHistory', 'routing_history', '*.routing_history', 'raw_text', '*.raw_text',
  'rawText', '*.rawText', 'guest', '*.guest', 'callParams', '*.callParams',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (pino-pretty, when installed); default: when stderr is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go; default stderr (stdout is for command output). */
  destination?: NodeJS.WritableStream;
}

/**
 * Every secret this process has held: the client secret, each bearer token the client was issued,
 * the database password. Registered where they enter the program; `scrubSecrets` and every logger
 * remove them wherever in a text they appear (an API that echoes a token in an error body, a
 * driver that quotes a connection string).
 */
const heldSecrets = new Set<string>();

/**
 * Adds secrets (ignores empty and very short values, which would blank out ordinary words), each
 * also as it is written percent-encoded in a URL (a password in a connection string).
 */
export function registerSecrets(...secrets: Array<string | undefined | null>): void {
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    heldSecrets.add(s);
    heldSecrets.add(encodeURIComponent(s));
  }
}

/** Every string in a log object scrubbed (depth-bounded: log objects are small). */
function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { type: value.name, message: scrubSecrets(value.message) };
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? (Boolean(process.stderr.isTTY) && !opts.destination);
  const base = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
    hooks: {
      // Secrets are removed from the message and every string of the object, wherever they appear.
      logMethod(this: pino.Logger, args: unknown[], method: pino.LogFn) {
        return method.apply(this, args.map((a) => scrubDeep(a)) as Parameters<pino.LogFn>);
      },
    },
  };
  const prettyStream = pretty ? loadPinoPretty() : undefined;
  if (prettyStream) {
    // Synchronous, in this thread: lines then never cut through the progress bar drawn on the same terminal.
    return pino(base, prettyStream({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(base, (opts.destination ?? pino.destination({ fd: 2, sync: true })) as pino.DestinationStream);
}

type PrettyFactory = (opts: Record<string, unknown>) => pino.DestinationStream;

/**
 * pino-pretty is a development dependency: a production install (the package, the image) logs
 * JSON lines only, which is what log collectors want anyway. Loaded synchronously with require
 * (it is CommonJS) because creating a logger is synchronous.
 */
function loadPinoPretty(): PrettyFactory | undefined {
  try {
    const mod = createRequire(import.meta.url)('pino-pretty') as PrettyFactory | { default: PrettyFactory };
    return typeof mod === 'function' ? mod : mod.default;
  } catch {
    return undefined;
  }
}

/** Removes bearer tokens, client secrets and connection-string passwords from free text. */
export function scrubSecrets(text: string, secrets: Array<string | undefined> = []): string {
  let out = text
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
    .replace(/(client_secret=)[^&\s]+/gi, '$1[redacted]')
    .replace(/(access_token["']?\s*[:=]\s*["']?)[^"'&\s]+/gi, '$1[redacted]')
    // Up to the LAST '@' of the word: a password written with an unencoded '@' is hidden whole.
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)\S*@/gi, '$1[redacted]@')
    .replace(/([?&]password=)[^&#\s]+/gi, '$1[redacted]');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  for (const s of heldSecrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

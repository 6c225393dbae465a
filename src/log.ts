import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear, so a secret that slips into a log object never
 * reaches the output. Strings are also scrubbed by `scrubSecrets` before they are logged as errors.
 */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'Authorization', '*.headers.Authorization',
  'databaseUrl', '*.databaseUrl', 'DATABASE_URL', 'config.mluviiClientSecret', 'mluviiClientSecret', 'reportingRolePassword', '*.reportingRolePassword',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (pino-pretty, when installed); default: when stderr is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go; default stderr (stdout is for command output). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? (Boolean(process.stderr.isTTY) && !opts.destination);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined };
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
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1[redacted]@');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

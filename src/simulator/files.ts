/**
 * Recordings and shared files in the simulator (issue #12), switched on with the `files` option.
 *
 * - Recordings keep the generator's ids, names, durations and processing state; their
 *   `downloadUrl` points at this server: `/api/v1/Sessions/{id}/files/{key}/content?v=l|d`,
 *   served behind the same Bearer check as every API call. `v` says whether the address was read
 *   from the list (`l`) or the detail (`d`), which is how expired addresses are simulated.
 * - A share of ended chat sessions gets a `SharedFile` activity with `file.downloadUrl`.
 * - Content is deterministic per file (file-content.ts); `expectedFile` gives its size and sha256.
 *
 * Misbehaviours (all per file or per session as a fixed draw, so a rerun sees the same world):
 * slow large files, addresses that expire (list addresses answer 401/403/410, the detail's work),
 * recordings that stay Processing, 404s, bodies cut short once, redirects to a storage host,
 * `downloadUrl`s on a foreign host (another origin: pre-signed, or not — which must be refused),
 * and hostile file names. Hostile bodies too: one that trickles a byte every few seconds (never
 * tripping an idle timeout), one that never ends, and a login page answered `200 text/html` in
 * place of the file.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { chance, contentSize, expectedContent, keyNumber, sendContent, sendEndless } from './file-content.js';
import type { SessionModel } from './payloads.js';

export interface SimulatedFiles {
  /** Share of ended Chat sessions with a file shared by the guest; default 0.3. */
  sharedFileRate?: number;
  /** Every file is exactly this many bytes (for benchmarks); default a few KB to ~150 KB by file. */
  fixedBytes?: number;
  /** Share of files that are large (`largeBytes`, default 3 MB) and sent slowly in small chunks. */
  slowLargeRate?: number;
  largeBytes?: number;
  /** Pause between the 64 KB chunks of a slow file, ms; default 2. */
  slowChunkDelayMs?: number;
  /** Share of files whose addresses read from the LIST answer 401/403/410 (the detail's addresses work). */
  expiredUrlRate?: number;
  /** Share of files that always answer 404. */
  notFoundRate?: number;
  /** Share of sessions with recordings that stay `Processing` while `processing` is on. */
  processingRate?: number;
  /** Whether the `processingRate` sessions are still processing (switch off to let them finish). */
  processing?: boolean;
  /** Share of files whose first download is cut off halfway (connection reset). */
  cutShortRate?: number;
  /** Share of files whose API address answers 302 to a pre-signed address on the storage host. */
  redirectRate?: number;
  /** Share of files whose `downloadUrl` is a pre-signed address on the storage host (another origin). */
  foreignPresignedRate?: number;
  /** Share of files whose `downloadUrl` is on the storage host WITHOUT a signature (must never get the token). */
  foreignUnsignedRate?: number;
  /** Share of files (and recordings) with a hostile name (../, absolute, very long, control characters …). */
  hostileNameRate?: number;
  /** Share of files whose body trickles: one byte every `dripIntervalMs` (default 4000) while this share holds them. */
  dripRate?: number;
  dripIntervalMs?: number;
  /** Share of files whose body never ends (no Content-Length, bytes at full speed until the client leaves). */
  endlessRate?: number;
  /** Share of files answered `200` with a login page (HTML) in place of the content. */
  htmlLoginRate?: number;
  /** The Content-Type of that page; default `text/html; charset=utf-8` (`application/octet-stream` hides it). */
  htmlLoginType?: string;
  /**
   * Hostile names may also hold a U+0000. Off by default: raw.sessions (jsonb) cannot store a NUL
   * until payload text is sanitized on the way in.
   */
  nulInNames?: boolean;
}

export const HOSTILE_NAMES = [
  '../../../../etc/passwd',
  '/etc/cron.d/evil',
  'C:\\Windows\\System32\\evil.dll',
  `${'x'.repeat(400)}.pdf`,
  '..',
  '.bashrc',
  'smlouva žluťoučký kůň 📄.pdf',
  'a/../../b.txt',
  '\u202Egpj.exe',
  'line\nbreak\r.txt',
  '   ',
];

const SALT = {
  shared: 0xf11e, expired: 0xe4b1, missing: 0x404, processing: 0xb20c, cut: 0xc07, redirect: 0x302, presigned: 0x5167, unsigned: 0x0516, hostile: 0xba0,
  drip: 0xd819, endless: 0xe9d1, login: 0x1091,
};

const LOGIN_PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/login"><input name="user"></form></body></html>\n';

export class FileWorld {
  /** Requests that reached the storage host carrying an Authorization header (must stay 0). */
  tokenLeaks = 0;
  /** Requests to the storage host. */
  storageRequests = 0;
  /** Completed content responses (API and storage host). */
  served = 0;
  /** Content responses begun, by content key (a file downloaded twice at once shows here). */
  readonly begun = new Map<string, number>();
  /** Content responses in progress now. */
  inFlight = 0;
  private readonly cutDone = new Set<string>();
  storageUrl = '';

  constructor(
    private readonly seed: number,
    public opts: SimulatedFiles,
  ) {}

  sizeOf(key: string): number {
    return contentSize(this.seed, this.opts, key);
  }

  /** Size and sha256 of a file's content, as a download must store it. */
  expectedFile(key: string): { size: number; sha256: string } {
    return expectedContent(this.seed, this.opts, key);
  }

  private name(key: string, normal: string): string {
    const n = keyNumber(key);
    if (!chance(this.seed, n, SALT.hostile, this.opts.hostileNameRate)) return normal;
    const list = this.opts.nulInNames ? [...HOSTILE_NAMES, 'inv\u0000oice.pdf'] : HOSTILE_NAMES;
    return list[n % list.length];
  }

  private address(apiUrl: string, sessionId: number, key: string, view: 'list' | 'detail'): string {
    const n = keyNumber(key);
    if (chance(this.seed, n, SALT.unsigned, this.opts.foreignUnsignedRate)) return `${this.storageUrl}/blob/${sessionId}/${key}`;
    if (chance(this.seed, n, SALT.presigned, this.opts.foreignPresignedRate)) return this.presigned(sessionId, key);
    return `${apiUrl}/api/v1/Sessions/${sessionId}/files/${key}/content?v=${view === 'list' ? 'l' : 'd'}`;
  }

  presigned(sessionId: number, key: string): string {
    return `${this.storageUrl}/blob/${sessionId}/${key}?X-Amz-Credential=sim%2F20260101%2Fauto%2Fs3%2Faws4_request&X-Amz-Expires=900&X-Amz-Signature=${createHash('sha256').update(`${sessionId}/${key}`).digest('hex')}`;
  }

  /** Rewrites recordings and adds shared files to a session as the server shows it. */
  decorate(session: SessionModel, apiUrl: string, view: 'list' | 'detail'): void {
    const id = Number(session.id);
    if (!Number.isSafeInteger(id)) return;
    if (Array.isArray(session.recordings)) {
      const stillProcessing = (this.opts.processing ?? true) && chance(this.seed, id, SALT.processing, this.opts.processingRate);
      if (stillProcessing) session.recordingsState = 'Processing';
      for (const rec of session.recordings) {
        if (!rec || typeof rec !== 'object' || typeof rec.id !== 'number') continue;
        const key = `recording-${rec.id}`;
        rec.name = this.name(key, String(rec.name ?? `rec_${rec.id}.ogg`));
        if (stillProcessing) {
          rec.downloadUrl = null;
          rec.isUploading = true;
        } else if (rec.downloadUrl) {
          rec.downloadUrl = this.address(apiUrl, id, key, view);
        }
      }
    }
    const ended = typeof session.ended === 'string';
    if (ended && session.channel === 'Chat' && Array.isArray(session.activities) && chance(this.seed, id, SALT.shared, this.opts.sharedFileRate ?? 0.3)) {
      let maxId = id * 100;
      for (const a of session.activities) if (a && typeof a.activityId === 'number' && a.activityId > maxId) maxId = a.activityId;
      const activityId = maxId + 1;
      const key = `file-${activityId}`;
      session.activities.push({
        activityId,
        time: session.ended as string,
        type: 'SharedFile',
        client: 'Guest',
        userId: null,
        text: null,
        file: {
          id: activityId,
          operatorOwner: null,
          departmentOwner: session.departmentId ?? null,
          name: this.name(key, `priloha_${activityId}.pdf`),
          downloadUrl: this.address(apiUrl, id, key, view),
          isUploading: false,
          isDeleted: false,
        },
      });
    }
  }

  /** Does the session (as the detail shows it) list this content key with an address? */
  static listed(session: SessionModel, key: string): boolean {
    if (key.startsWith('recording-')) {
      const rid = Number(key.slice('recording-'.length));
      return (session.recordings ?? []).some((r) => r?.id === rid && Boolean(r.downloadUrl));
    }
    const aid = Number(key.slice('file-'.length));
    return (session.activities ?? []).some((a) => a?.activityId === aid && Boolean(a.file?.downloadUrl));
  }

  /**
   * Answers an authenticated API content request for a file the session lists. Returns the
   * status it answered with (the server counts it).
   */
  async serveApi(res: ServerResponse, sessionId: number, key: string, view: string | null): Promise<number> {
    const n = keyNumber(key);
    if (chance(this.seed, n, SALT.missing, this.opts.notFoundRate)) return plain(res, 404, 'File not found.');
    if (view !== 'd' && chance(this.seed, n, SALT.expired, this.opts.expiredUrlRate)) {
      const status = [403, 410, 401][n % 3];
      return plain(res, status, status === 401 ? '' : 'The link has expired.');
    }
    if (chance(this.seed, n, SALT.redirect, this.opts.redirectRate)) {
      res.writeHead(302, { location: this.presigned(sessionId, key), 'content-length': '0' });
      res.end();
      return 302;
    }
    return this.stream(res, key);
  }

  /** The storage host: pre-signed addresses only, and it records any Authorization header it gets. */
  async serveStorage(res: ServerResponse, authorization: string | undefined, path: string, query: URLSearchParams): Promise<number> {
    this.storageRequests += 1;
    if (authorization !== undefined) {
      this.tokenLeaks += 1;
      return plain(res, 400, 'Only one auth mechanism allowed; an Authorization header is not accepted with a signature.');
    }
    const m = /^\/blob\/(\d+)\/((?:recording|file)-\d+)$/.exec(path);
    if (!m) return plain(res, 404, 'NoSuchKey');
    const [, sid, key] = m;
    if (query.get('X-Amz-Signature') !== createHash('sha256').update(`${sid}/${key}`).digest('hex')) return plain(res, 403, 'AccessDenied');
    return this.stream(res, key);
  }

  /** Whether a switch of this file is on now (asked again while a body is sent, so a test can switch it off). */
  private is(key: string, salt: number, rate: number | undefined): boolean {
    return chance(this.seed, keyNumber(key), salt, rate);
  }

  private async stream(res: ServerResponse, key: string): Promise<number> {
    this.begun.set(key, (this.begun.get(key) ?? 0) + 1);
    this.inFlight += 1;
    try {
      if (this.is(key, SALT.login, this.opts.htmlLoginRate)) {
        res.writeHead(200, { 'content-type': this.opts.htmlLoginType ?? 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(LOGIN_PAGE)) });
        res.end(LOGIN_PAGE);
        return 200;
      }
      if (this.is(key, SALT.endless, this.opts.endlessRate)) {
        await sendEndless(res, this.seed, key);
        return 499;
      }
      const cut = this.is(key, SALT.cut, this.opts.cutShortRate) && !this.cutDone.has(key);
      if (cut) this.cutDone.add(key);
      const drip = () => (this.is(key, SALT.drip, this.opts.dripRate) ? (this.opts.dripIntervalMs ?? 4000) : undefined);
      const outcome = await sendContent(res, this.seed, this.opts, key, cut, drip);
      if (outcome === 'gone') return 499;
      if (outcome === 'complete') this.served += 1;
      return 200;
    } finally {
      this.inFlight -= 1;
    }
  }
}

function plain(res: ServerResponse, status: number, text: string): number {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
  return status;
}

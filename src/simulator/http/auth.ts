/**
 * The API's OAuth2 client_credentials flow as the simulator plays it: the token endpoint
 * (IdentityServer-style 400 error codes), the login page a request without a token is sent to,
 * and the Bearer check of every API call.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Send } from './response.js';

export const LOGIN_PATH = '/login/Account/Login';
const SCOPE = 'mluviiPublicApi';
const MAX_FORM_BYTES = 65_536;

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  /** `expires_in` of issued tokens; 0: every token is refused at once. */
  tokenLifetimeSec: number;
  /** How an unknown or expired token is answered (see SimulatorOptions). */
  rejectedTokenStatus?: 401 | 302;
}

export class TokenAuth {
  /** access_token → expiry (ms, wall clock: the client measures `expires_in` on the real clock). */
  private readonly tokens = new Map<string, number>();

  constructor(
    readonly opts: AuthOptions,
    private readonly send: Send,
  ) {}

  /** `POST /login/connect/token`. */
  async issue(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.send(res, 'token', 405, { error: 'invalid_request' });
    const form = new URLSearchParams(await readBody(req));
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials') return this.send(res, 'token', 400, { error: 'unsupported_grant_type' });
    if (id !== this.opts.clientId || secret !== this.opts.clientSecret) return this.send(res, 'token', 400, { error: 'invalid_client' });
    const scope = form.get('scope');
    if (scope && scope !== SCOPE) return this.send(res, 'token', 400, { error: 'invalid_scope' });
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.opts.tokenLifetimeSec * 1000);
    if (this.tokens.size > 10_000) for (const [t, exp] of this.tokens) if (exp < Date.now()) this.tokens.delete(t);
    this.send(res, 'token', 200, { access_token: token, expires_in: this.opts.tokenLifetimeSec, token_type: 'Bearer', scope: SCOPE });
  }

  /** 302 to the login page without a bearer token; 401 for an unknown or expired one. Returns true when it answered. */
  rejected(req: IncomingMessage, res: ServerResponse, endpoint: string, path: string): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      this.send(res, endpoint, 302, undefined, { location: `${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(path)}` });
      return true;
    }
    const exp = this.tokens.get(m[1]);
    if ((exp === undefined || exp <= Date.now()) && this.opts.rejectedTokenStatus === 302) {
      this.send(res, endpoint, 302, undefined, { location: `${LOGIN_PATH}?ReturnUrl=${encodeURIComponent(path)}` });
      return true;
    }
    if (exp === undefined || exp <= Date.now()) {
      this.send(res, endpoint, 401, undefined, {
        'www-authenticate': `Bearer error="invalid_token", error_description="${exp === undefined ? 'The token is invalid' : 'The token expired'}"`,
      });
      return true;
    }
    return false;
  }

  /** Makes every token issued so far expired. */
  expireAll(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  issued(): string[] {
    return [...this.tokens.keys()];
  }
}

/** Where a request without a token is redirected to: a client that follows redirects gets HTML, not JSON. */
export const LOGIN_PAGE = '<!DOCTYPE html><html><head><title>mluvii – Login</title></head><body><form method="post"><input name="Username"><input name="Password" type="password"></form></body></html>';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

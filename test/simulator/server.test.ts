import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { generateSessions } from '../../src/simulator/generator.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

/** Plain node:http requests: the simulator is tested as a server here, without the client. */
interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

function call(sim: RunningSimulator, path: string, opts: { method?: string; token?: string; form?: Record<string, string> } = {}): Promise<Reply> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function tokenOf(sim: RunningSimulator): Promise<string> {
  const r = await call(sim, '/login/connect/token', { form: { grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret, scope: 'mluviiPublicApi' } });
  return (r.json() as { access_token: string }).access_token;
}

const FROM = '2026-03-03T00:00:00.000Z';
const TO = '2026-03-04T00:00:00.000Z';
const listPath = (query: string) => `/api/v1/Sessions?Created.Min=${FROM}&Created.Max=${TO}&${query}`;

let sim: RunningSimulator;
let token: string;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 21, sessionsPerDay: 120 });
  token = await tokenOf(sim);
});
afterAll(async () => {
  await sim?.stop();
});

describe('simulator auth', () => {
  it('issues a bearer token for the right client credentials, with expires_in', async () => {
    const r = await call(sim, '/login/connect/token', { form: { grant_type: 'client_credentials', client_id: 'sim', client_secret: 'sim-secret' } });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('refuses wrong credentials or grant types the IdentityServer way (400 + error code)', async () => {
    const wrong = await call(sim, '/login/connect/token', { form: { grant_type: 'client_credentials', client_id: 'sim', client_secret: 'nope' } });
    expect([wrong.status, wrong.json()]).toEqual([400, { error: 'invalid_client' }]);
    const grant = await call(sim, '/login/connect/token', { form: { grant_type: 'password', client_id: 'sim', client_secret: 'sim-secret' } });
    expect([grant.status, grant.json()]).toEqual([400, { error: 'unsupported_grant_type' }]);
  });

  it('no token: 302 to a login page; a bad or expired token: 401', async () => {
    const none = await call(sim, '/api/v1/Users');
    expect(none.status).toBe(302);
    expect(String(none.headers.location)).toMatch(/^\/login\/Account\/Login\?ReturnUrl=/);
    const login = await call(sim, String(none.headers.location));
    expect([login.status, String(login.headers['content-type'])]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await call(sim, '/api/v1/Users', { token: 'forged' })).status).toBe(401);

    const own = await tokenOf(sim);
    expect((await call(sim, '/api/v1/Users', { token: own })).status).toBe(200);
    sim.expireTokens();
    const expired = await call(sim, '/api/v1/Users', { token: own });
    expect(expired.status).toBe(401);
    expect(String(expired.headers['www-authenticate'])).toMatch(/invalid_token/);
    token = await tokenOf(sim);
  });

  it('tokens expire after tokenLifetimeSec', async () => {
    const short = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), tokenLifetimeSec: 1 });
    try {
      const t = await tokenOf(short);
      expect((await call(short, '/api/v1/Users', { token: t })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call(short, '/api/v1/Users', { token: t })).status).toBe(401);
    } finally {
      await short.stop();
    }
  });
});

describe('simulator sessions', () => {
  it('pages with limit/offset over a bare array ordered by created; the pages add up to expectedSessionIds and the generator', async () => {
    const ids: number[] = [];
    for (let offset = 0; ; offset += 25) {
      const page = (await call(sim, listPath(`limit=25&offset=${offset}`), { token })).json() as Array<{ id: number }>;
      expect(Array.isArray(page)).toBe(true);
      if (page.length === 0) break;
      ids.push(...page.map((s) => s.id));
    }
    expect(ids.length).toBeGreaterThan(50);
    expect(ids).toEqual(sim.expectedSessionIds(new Date(FROM), new Date(TO)));
    expect(ids).toEqual(generateSessions({ seed: 21, sessionsPerDay: 120, from: new Date(FROM), to: new Date(TO) }).map((x) => x.session.id));
  });

  it('binds keys case-insensitively, paths too, and reads a date without offset in Prague time', async () => {
    const a = (await call(sim, `/API/V1/SESSIONS?created.min=${FROM}&CREATED.MAX=${TO}&LIMIT=1000`, { token })).json() as unknown[];
    expect(a.length).toBe(sim.expectedSessionIds(new Date(FROM), new Date(TO)).length);
    const local = (await call(sim, `/api/v1/Sessions?Created.Min=2026-03-03&Created.Max=2026-03-04&limit=1000`, { token })).json() as unknown[];
    expect(local.length).toBe(sim.expectedSessionIds(new Date('2026-03-02T23:00:00Z'), new Date('2026-03-03T23:00:00Z')).length);
  });

  it('answers 400 with a validation dictionary for a missing window, a bad date or an unencoded +', async () => {
    const missing = await call(sim, '/api/v1/Sessions?limit=10', { token });
    expect(missing.status).toBe(400);
    expect(missing.json()).toHaveProperty('Created');
    expect((await call(sim, `/api/v1/Sessions?Created.Min=yesterday&Created.Max=${TO}`, { token })).status).toBe(400);
    expect((await call(sim, `/api/v1/Sessions?Created.Min=2026-03-03T00:00:00+01:00&Created.Max=${TO}`, { token })).status).toBe(400);
    expect((await call(sim, `/api/v1/Sessions?Created.Min=2026-03-03T00:00:00%2B01:00&Created.Max=${TO}&limit=1`, { token })).status).toBe(200);
  });

  it('filters by SessionId, Status and Channel', async () => {
    const all = (await call(sim, listPath('limit=1000'), { token })).json() as Array<{ id: number; channel: string }>;
    const two = [all[3].id, all[7].id];
    const byId = (await call(sim, `/api/v1/Sessions?SessionId=${two[0]}&SessionId=${two[1]}`, { token })).json() as Array<{ id: number }>;
    expect(byId.map((s) => s.id)).toEqual(two);
    const phone = (await call(sim, listPath('limit=1000&Channel=Phone&status=CLOSED'), { token })).json() as Array<{ channel: string }>;
    expect(phone.length).toBe(all.filter((s) => s.channel === 'Phone').length);
  });

  it('one session and its routing history by id; 404 for an unknown id', async () => {
    const [first] = generateSessions({ seed: 21, sessionsPerDay: 120, from: new Date('2026-03-03T09:00:00Z'), to: new Date(TO) });
    const one = await call(sim, `/api/v1/Sessions/${first.session.id}`, { token });
    expect(one.json()).toEqual(JSON.parse(JSON.stringify(first.session)));
    const history = await call(sim, `/api/v1/sessions/${first.session.id}/routingHistory`, { token });
    expect(history.json()).toEqual(JSON.parse(JSON.stringify(first.routingHistory)));
    expect((await call(sim, `/api/v1/Sessions/${Number(first.session.id) + 50_000}`, { token })).status).toBe(404);
    expect((await call(sim, '/api/v1/Sessions/12/routingHistory', { token })).status).toBe(404);
  });

  it('sessions conclude as the simulated clock moves (setNow)', async () => {
    const target = generateSessions({ seed: 21, sessionsPerDay: 120, from: new Date('2026-03-03T09:00:00Z'), to: new Date(TO) }).find(
      (x) => x.session.ended && x.session.operators?.length,
    )!;
    const ended = Date.parse(String(target.session.ended));
    try {
      sim.setNow(() => new Date(Date.parse(String(target.session.created)) - 1));
      expect((await call(sim, `/api/v1/Sessions/${target.session.id}`, { token })).status).toBe(404);
      sim.setNow(() => new Date(ended - 1));
      const running = (await call(sim, `/api/v1/Sessions/${target.session.id}`, { token })).json() as { status: string; ended: unknown };
      expect(running.ended).toBeNull();
      expect(['ACTIVE', 'BCW']).toContain(running.status);
      sim.setNow(() => new Date(ended + 7 * 86_400_000));
      expect(((await call(sim, `/api/v1/Sessions/${target.session.id}`, { token })).json() as { status: string }).status).toBe('CLOSED');
    } finally {
      sim.setNow(clockAt(AFTER_TEST_RANGES));
    }
  });
});

describe('simulator campaigns and users', () => {
  it('campaigns answer {id, name, mode}; deleted ones 404', async () => {
    expect((await call(sim, '/api/v1/Campaigns/501', { token })).json()).toMatchObject({ id: 501, mode: 'Preview' });
    expect((await call(sim, '/api/v1/Campaigns/502', { token })).json()).toMatchObject({ id: 502, mode: 'Predictive' });
    expect((await call(sim, '/api/v1/Campaigns/506', { token })).status).toBe(404);
  });

  it('users include every operator the sessions name', async () => {
    const users = (await call(sim, '/api/v1/Users', { token })).json() as Array<{ id: number }>;
    const known = new Set(users.map((u) => u.id));
    const sessions = generateSessions({ seed: 21, sessionsPerDay: 120, from: new Date(FROM), to: new Date(TO) });
    for (const x of sessions) for (const o of x.session.operators ?? []) expect(known.has(Number(o.userId))).toBe(true);
  });
});

describe('simulator misbehaviour and stats', () => {
  it('caps pages, and injects deterministic malformed items next to the good sessions', async () => {
    sim.setMisbehaviour({ pageSizeCap: 9, malformedRate: 0.1 });
    try {
      const read = async () => {
        const items: unknown[] = [];
        for (let offset = 0; ; ) {
          const page = (await call(sim, listPath(`limit=50&offset=${offset}`), { token })).json() as unknown[];
          expect(page.length).toBeLessThanOrEqual(9);
          if (page.length === 0) return items;
          items.push(...page);
          offset += page.length;
        }
      };
      const first = await read();
      expect(JSON.stringify(await read())).toBe(JSON.stringify(first));
      const good = sim.expectedSessionIds(new Date(FROM), new Date(TO));
      const bad = sim.expectedMalformedCount(new Date(FROM), new Date(TO));
      expect(bad).toBeGreaterThan(3);
      expect(first.length).toBe(good.length + bad);
      const isGood = (x: unknown) => !!x && typeof x === 'object' && good.includes((x as { id: number }).id) && !Number.isNaN(Date.parse((x as { created: string }).created));
      expect(first.filter(isGood).map((x) => (x as { id: number }).id)).toEqual(good);
      const kinds = new Set(
        first.filter((x) => !isGood(x)).map((x) => (x === null || typeof x !== 'object' || Array.isArray(x) ? 'not-object' : 'id' in x ? 'bad-created' : 'no-id')),
      );
      expect(kinds).toEqual(new Set(['not-object', 'bad-created', 'no-id']));
    } finally {
      sim.setMisbehaviour({});
    }
  });

  it('rate-limits with 429 and Retry-After in its several forms', async () => {
    sim.setMisbehaviour({ rateLimitRps: 3 });
    try {
      const replies = await Promise.all(Array.from({ length: 12 }, () => call(sim, '/api/v1/Users', { token })));
      const limited = replies.filter((r) => r.status === 429);
      expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
      expect(limited).toHaveLength(9);
      const forms = limited.map((r) => String(r.headers['retry-after']));
      expect(forms).toContain('0');
      expect(forms.some((f) => /GMT$/.test(f))).toBe(true);
    } finally {
      sim.setMisbehaviour({});
    }
  });

  it('fails with 5xx or a reset connection, and answers slowly, at the configured rates', async () => {
    sim.setMisbehaviour({ errorRate: 1 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => call(sim, '/api/v1/Users', { token }).then((r) => String(r.status), (e: NodeJS.ErrnoException) => e.code ?? 'error')),
      );
      expect(outcomes.every((o) => ['500', '502', '503', 'ECONNRESET'].includes(o))).toBe(true);
      expect(new Set(outcomes).size).toBeGreaterThan(2);
      sim.setMisbehaviour({ slowRate: 1, slowMs: 300 });
      const started = Date.now();
      expect((await call(sim, '/api/v1/Users', { token })).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      sim.setMisbehaviour({});
    }
  });

  it('counts requests by endpoint and status, with API arrival times', async () => {
    sim.resetStats();
    await call(sim, '/api/v1/Users', { token });
    await call(sim, '/api/v1/Campaigns/506', { token });
    await call(sim, '/api/v1/Users');
    await tokenOf(sim);
    const s = sim.stats();
    expect(s.byEndpoint).toEqual({ users: { '200': 1, '302': 1 }, campaign: { '404': 1 }, token: { '200': 1 } });
    expect(s.total).toBe(4);
    expect(s.arrivals).toHaveLength(3);
    expect(s.arrivals[2]).toBeGreaterThanOrEqual(s.arrivals[0]);
    sim.resetStats();
    expect(sim.stats().total).toBe(0);
  });
});

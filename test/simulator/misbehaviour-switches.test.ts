import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NUL_NAME_USER_ID, picks } from '../../src/simulator/misbehaviour.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

/** The switches the pipeline's field-readiness tests and `doctor` rely on, seen over plain HTTP. */
const FROM = '2026-03-03T00:00:00.000Z';
const TO = '2026-03-04T00:00:00.000Z';
const SEED = 21;
let sim: RunningSimulator;
let token: string;

async function get(path: string, timeoutMs = 10_000): Promise<Response> {
  return fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
}
const list = (q = 'limit=1000') => get(`/api/v1/Sessions?Created.Min=${FROM}&Created.Max=${TO}&${q}`);
const ids = async (r: Response) => ((await r.json()) as Array<{ id: number }>).map((s) => s.id);

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: SEED, sessionsPerDay: 120 });
  const r = await fetch(`${sim.url}/login/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }) });
  token = ((await r.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim?.stop();
});

describe('simulator misbehaviour switches', () => {
  it('usersAnswer: 403, 404, 503 and garbage; usersNulName spoils one name only', async () => {
    for (const a of [403, 404, 503] as const) {
      sim.setMisbehaviour({ usersAnswer: a });
      expect((await get('/api/v1/Users')).status).toBe(a);
    }
    sim.setMisbehaviour({ usersAnswer: 'garbage' });
    const g = await get('/api/v1/Users');
    expect(g.status).toBe(200);
    await expect(g.json()).rejects.toThrow();
    sim.setMisbehaviour({ usersNulName: true });
    const users = (await (await get('/api/v1/Users')).json()) as Array<{ id: number; firstName: string }>;
    expect(users.filter((u) => u.firstName.includes('\u0000')).map((u) => u.id)).toEqual([NUL_NAME_USER_ID]);
  });

  it('campaignAnswers: 403, 404, 503, not-a-campaign and a request never answered', async () => {
    sim.setMisbehaviour({ campaignAnswers: { 501: 403, 502: 404, 503: 503, 504: 'not-a-campaign', 505: 'timeout' } });
    expect((await get('/api/v1/Campaigns/501')).status).toBe(403);
    expect((await get('/api/v1/Campaigns/502')).status).toBe(404);
    expect((await get('/api/v1/Campaigns/503')).status).toBe(503);
    expect(await (await get('/api/v1/Campaigns/504')).json()).not.toHaveProperty('mode');
    await expect(get('/api/v1/Campaigns/505', 500)).rejects.toThrow();
  });

  it('routing 404/503 per session share, bad text, thin list items, implausible values, duplicates, oversized items', async () => {
    sim.setMisbehaviour({});
    const all = await ids(await list());
    sim.setMisbehaviour({ routingNotFoundRate: 0.3, routingServerErrorRate: 0.3, badTextRate: 0.3, thinListRate: 0.5, implausibleRate: 0.3, duplicateRate: 0.2, oversizedRate: 0.05, oversizedBytes: 100_000 });
    const r404 = all.filter((id) => picks(SEED, id, 'routing404', 0.3));
    expect(r404.length).toBeGreaterThan(0);
    expect((await get(`/api/v1/Sessions/${r404[0]}/routingHistory`)).status).toBe(404);
    const r503 = all.filter((id) => !picks(SEED, id, 'routing404', 0.3) && picks(SEED, id, 'routing503', 0.3));
    expect((await get(`/api/v1/Sessions/${r503[0]}/routingHistory`)).status).toBe(503);
    const text = await (await list()).text();
    expect(text).toContain('\\u0000');
    expect(text).toMatch(/\\ud83d"/);
    const items = JSON.parse(text) as Array<{ id: number; ended?: string; operators?: unknown; departmentId?: unknown }>;
    expect(items.length).toBeGreaterThan(all.length); // duplicates
    expect(new Set(items.map((s) => s.id)).size).toBe(all.length);
    const thin = items.filter((s) => s.ended && s.operators === undefined);
    expect(thin.length).toBeGreaterThan(0);
    const detail = (await (await get(`/api/v1/Sessions/${thin[0].id}`)).json()) as { operators?: unknown[] };
    expect(detail.operators).toBeDefined();
    expect(items.some((s) => typeof s.departmentId === 'number' && (!Number.isInteger(s.departmentId) || s.departmentId < 0 || s.departmentId > 2 ** 31))).toBe(true);
    expect(items.some((s) => JSON.stringify(s).length >= 90_000)).toBe(true);
  });

  it('endlessPages, unstableOrder', async () => {
    sim.setMisbehaviour({});
    const all = new Set(await ids(await list()));
    sim.setMisbehaviour({ endlessPages: true });
    const far = await ids(await list('limit=10&offset=100000'));
    expect(far.length).toBe(10);
    expect(far.filter((id) => all.has(id))).toEqual([]); // fresh ids: the listing never repeats itself
    sim.setMisbehaviour({ endlessPages: 'without-ids' });
    const idless = (await (await list('limit=10&offset=100000')).json()) as Array<Record<string, unknown>>;
    expect(idless).toHaveLength(10);
    expect(idless.every((item) => item.id === undefined && typeof item.created === 'string')).toBe(true);
    expect((await ids(await list(`limit=${all.size}`))).sort()).toEqual([...all].sort()); // the window itself, with its ids, first
    sim.setMisbehaviour({ unstableOrder: true });
    const a = await ids(await list());
    const b = await ids(await list());
    expect([...a].sort()).toEqual([...b].sort());
    expect(a).not.toEqual(b);
  });

  it('deepNesting: nesting JSON.stringify cannot write, a NUL at the bottom; strayCreated: created from another time', async () => {
    sim.setMisbehaviour({});
    const all = await ids(await list());
    sim.setMisbehaviour({ deepNesting: { rate: 0.2, depth: 5000 }, strayCreated: { rate: 0.2, values: ['1970-01-01T00:00:00+00:00', '9999-12-31T23:59:59+00:00'] } });
    const deep = all.filter((id) => picks(SEED, id, 'deep', 0.2));
    const stray = all.filter((id) => picks(SEED, id, 'stray', 0.2));
    expect(deep.length).toBeGreaterThan(0);
    expect(stray.length).toBeGreaterThan(0);
    const text = await (await list()).text();
    expect(text).toContain(`${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}`);
    const items = JSON.parse(text) as Array<{ id: number; created: string; guest?: { callParams?: { nested?: unknown } } }>;
    expect(items.filter((s) => s.guest?.callParams?.nested !== undefined).map((s) => s.id)).toEqual(deep);
    const detail = await (await get(`/api/v1/Sessions/${deep[0]}`)).text();
    expect(detail).toContain(`${'['.repeat(5000)}"\\u0000"`);
    expect(items.filter((s) => !s.created.startsWith('2026-')).map((s) => s.id)).toEqual(stray);
    expect(new Set(items.filter((s) => stray.includes(s.id)).map((s) => s.created))).toEqual(new Set(['1970-01-01T00:00:00+00:00', '9999-12-31T23:59:59+00:00']));
    sim.setMisbehaviour({});
  });

  it('throttle, htmlPage, echoTokenOn400, tokenHangs', async () => {
    sim.setMisbehaviour({ throttle: { retryAfter: '3600', times: 1 } });
    const t = await list();
    expect(t.status).toBe(429);
    expect(t.headers.get('retry-after')).toBe('3600');
    expect((await list()).status).toBe(200);
    sim.setMisbehaviour({ htmlPage: true });
    const h = await list();
    expect(h.status).toBe(200);
    expect(h.headers.get('content-type')).toMatch(/text\/html/);
    sim.setMisbehaviour({ echoTokenOn400: true });
    const e = await list();
    expect(e.status).toBe(400);
    expect(await e.text()).toContain(token);
    sim.setMisbehaviour({ tokenHangs: true });
    await expect(fetch(`${sim.url}/login/connect/token`, { method: 'POST', body: 'grant_type=client_credentials', signal: AbortSignal.timeout(500) })).rejects.toThrow();
    sim.setMisbehaviour({});
  });
});

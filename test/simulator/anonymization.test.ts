/**
 * The simulator anonymizes sessions like mluvii (src/simulator/anonymization.ts): automatically
 * some days after they were created, on its own clock, and on request through its API
 * (`POST /api/v1/Sessions/{id}/anonymize`); it lists them by the `Anonymized` filter, and can
 * refuse or ignore that filter.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const DAY = 86_400_000;
let sim: RunningSimulator;
let token: string;
/** The session anonymized on request. */
let requested: number;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 81, sessionsPerDay: 40, files: { sharedFileRate: 0.8 } });
  const r = await fetch(`${sim.url}/login/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }) });
  token = ((await r.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim?.stop();
});

const api = (path: string, init: RequestInit = {}) => fetch(`${sim.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
const anonymizedList = async (from: Date, to: Date) => {
  const r = await api(`/api/v1/Sessions?Anonymized.Min=${from.toISOString()}&Anonymized.Max=${to.toISOString()}&limit=1000`);
  return { status: r.status, body: (await r.json()) as Array<Record<string, unknown>> };
};

/** A chat session of 2026-05-04 that has messages, call parameters and a shared file. */
function chatWithFile(): { id: number; created: Date } {
  for (const id of sim.expectedSessionIds(new Date('2026-05-04T06:00:00Z'), new Date('2026-05-04T20:00:00Z'))) {
    const s = sim.sessionDetail(id)?.session;
    if (s?.channel === 'Chat' && s.activities?.some((a) => a.file) && s.activities?.some((a) => a.text) && s.ended) return { id, created: new Date(String(s.created)) };
  }
  throw new Error('no chat session with a file');
}

const wiped = (s: Record<string, unknown>) => {
  const activities = (s.activities ?? []) as Array<Record<string, unknown>>;
  const files = activities.filter((a) => a.file).map((a) => a.file as Record<string, unknown>);
  return {
    texts: activities.filter((a) => a.text).length,
    callParams: Object.keys(((s.guest as Record<string, unknown>).callParams ?? {}) as object).length,
    files: files.filter((f) => f.name || f.downloadUrl || !f.isDeleted).length,
    keeps: { id: typeof s.id, created: typeof s.created, ended: typeof s.ended, operators: Array.isArray(s.operators) && (s.operators as unknown[]).length > 0 },
  };
};

describe('the simulator anonymizes', () => {
  it('on its clock: a session is anonymized the given days after it was created, and listed by the Anonymized filter then', async () => {
    const { id, created } = chatWithFile();
    sim.setAnonymizeAfterDays(30);
    const at = new Date(created.getTime() + 30 * DAY);
    try {
      sim.setNow(clockAt(new Date(at.getTime() - 1000)));
      expect(wiped(sim.sessionDetail(id)?.session as Record<string, unknown>).texts).toBeGreaterThan(0);
      expect((await anonymizedList(new Date(at.getTime() - DAY), new Date(at.getTime() + DAY))).body.map((s) => s.id)).not.toContain(id);

      sim.setNow(clockAt(new Date(at.getTime() + 1000)));
      const detail = (await (await api(`/api/v1/Sessions/${id}`)).json()) as Record<string, unknown>;
      expect(wiped(detail)).toEqual({ texts: 0, callParams: 0, files: 0, keeps: { id: 'number', created: 'string', ended: 'string', operators: true } });
      const listed = await anonymizedList(new Date(at.getTime() - 60_000), new Date(at.getTime() + 60_000));
      expect(listed.status).toBe(200);
      expect(listed.body.map((s) => s.id)).toContain(id);
      expect(wiped(listed.body.find((s) => s.id === id) as Record<string, unknown>).texts).toBe(0);
      expect((await anonymizedList(new Date(at.getTime() + 60_000), new Date(at.getTime() + 120_000))).body.map((s) => s.id)).not.toContain(id);
    } finally {
      sim.setAnonymizeAfterDays(undefined);
      sim.setNow(clockAt(AFTER_TEST_RANGES));
    }
  });

  it('on request through its API, from then on', async () => {
    const { id } = chatWithFile();
    requested = id;
    expect(wiped(sim.sessionDetail(id)?.session as Record<string, unknown>).texts).toBeGreaterThan(0);
    const r = await api(`/api/v1/Sessions/${id}/anonymize`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect((await api('/api/v1/Sessions/999999999999/anonymize', { method: 'POST' })).status).toBe(404);
    expect(wiped(sim.sessionDetail(id)?.session as Record<string, unknown>)).toMatchObject({ texts: 0, callParams: 0, files: 0 });
    const listed = await anonymizedList(new Date(AFTER_TEST_RANGES.getTime() - 1000), new Date(AFTER_TEST_RANGES.getTime() + 1000));
    expect(listed.body.map((s) => s.id)).toEqual([id]);
    const content = await api(`/api/v1/Sessions/${id}/files/file-${id * 100}/content`);
    expect(content.status).toBe(404);
  });

  it('refuses (400, 403) or ignores the Anonymized filter when told to, and can drop times as it anonymizes', async () => {
    const range = [new Date(AFTER_TEST_RANGES.getTime() - DAY), AFTER_TEST_RANGES] as const;
    sim.setMisbehaviour({ anonymizedFilter: 400 });
    expect((await anonymizedList(...range)).status).toBe(400);
    sim.setMisbehaviour({ anonymizedFilter: 403 });
    expect((await anonymizedList(...range)).status).toBe(403);
    sim.setMisbehaviour({ anonymizedFilter: 'ignored' });
    const ignored = await anonymizedList(...range);
    expect(ignored.status).toBe(200);
    expect(ignored.body.some((s) => wiped(s).texts > 0 || wiped(s).callParams > 0)).toBe(true);
    sim.setMisbehaviour({ anonymizationDropsTimes: true });
    const id = requested;
    const ops = sim.sessionDetail(id)?.session.operators ?? [];
    expect(ops.every((o) => o.left === null && o.concluded === null)).toBe(true);
    sim.setMisbehaviour({});
    expect((sim.sessionDetail(id)?.session.operators ?? []).some((o) => o.concluded)).toBe(true);
  });
});

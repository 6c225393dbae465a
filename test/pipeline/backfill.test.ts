import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { reprocessCommand } from '../../src/commands/reprocess.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { transformSession } from '../../src/transform/index.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { coreChecksums, pipelineEnv, rowVersions, runCommand, testConfig } from '../helpers/warehouse.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';

const FROM = '2026-03-27T23:00:00Z'; // three local days across the spring DST change
const TO = '2026-03-30T22:00:00Z';

let db: TestDatabase;
let sim: RunningSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES),
    seed: 42,
    sessionsPerDay: 150,
    misbehaviour: { rateLimitRps: 400, errorRate: 0.05, slowRate: 0.02, slowMs: 50, pageSizeCap: 37, malformedRate: 0.02 },
  });
  env = pipelineEnv(db, sim, { MLUVII_PAGE_SIZE: '50' });
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('backfill against a misbehaving simulator', () => {
  it('loads exactly the simulated sessions, sets malformed items aside, and marks every window done', async () => {
    const r = await runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO });
    expect(r.code).toBe(0);

    const expected = sim.expectedSessionIds(new Date(FROM), new Date(TO)).sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(200);
    const loaded = (await db.knex('core.sessions').select('session_id').orderBy('session_id')).map((x) => Number(x.session_id));
    expect(loaded).toEqual(expected);
    const raw = await db.knex('raw.sessions').count({ n: '*' });
    expect(Number(raw[0].n)).toBe(expected.length);

    const rejects = await db.knex('etl.rejects').select('reason', 'raw_text');
    expect(rejects.length).toBeGreaterThan(0);
    for (const rej of rejects) expect(rej.reason).toMatch(/^(not_object|missing_id|bad_created)/);

    const windows = await db.knex('etl.windows').select('status');
    expect(windows).toHaveLength(3);
    expect(windows.every((w) => w.status === 'done')).toBe(true);

    const stats = sim.stats();
    expect(Object.keys(stats.byEndpoint).join(' ')).toMatch(/routingHistory/i);
    const run = await db.knex('etl.runs').where({ kind: 'backfill' }).first();
    expect(run.status).toBe('succeeded');
    expect(run.sessions_seen).toBe(expected.length);
  });

  it('stores durations equal to what the transform computes from the stored payloads', async () => {
    const raws = await db.knex('raw.sessions').select('payload', 'routing_history');
    const modes = new Map(
      (await db.knex('raw.campaigns').select('campaign_id', 'http_status', 'payload')).map((c) => [
        Number(c.campaign_id),
        c.http_status === 200 && c.payload?.mode ? String(c.payload.mode) : 'unknown',
      ]),
    );
    const core = new Map((await db.knex('core.sessions').select('*')).map((s) => [Number(s.session_id), s]));
    let compared = 0;
    for (const r of raws) {
      const t = transformSession({ payload: r.payload, routingHistory: r.routing_history, campaignMode: (id) => modes.get(id) });
      if (t.kind !== 'facts') throw new Error('a stored raw payload was rejected');
      const row = core.get(t.facts.session.session_id);
      for (const k of ['created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s', 'ring_s', 'waited_s', 'answer_s'] as const) {
        expect([k, row[k] === null ? null : Number(row[k])]).toEqual([k, t.facts.session[k]]);
      }
      expect(row.quality_flags).toEqual(t.facts.session.quality_flags);
      expect(row.is_complete).toBe(t.facts.session.is_complete);
      compared += 1;
    }
    expect(compared).toBe(core.size);
  });

  it('running the same backfill again (even with --force) writes no row', async () => {
    const before = await rowVersions(db.knex);
    const again = await runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO });
    expect(again.code).toBe(0);
    const skipped = await db.knex('etl.runs').where({ kind: 'backfill' }).orderBy('run_id', 'desc').first();
    expect(skipped.windows_skipped).toBe(3);
    const forced = await runCommand(backfillCommand, testConfig(env), { from: FROM, to: TO, force: true });
    expect(forced.code).toBe(0);
    const last = await db.knex('etl.runs').where({ kind: 'backfill' }).orderBy('run_id', 'desc').first();
    expect(last.windows_done).toBe(3);
    expect(last.sessions_changed).toBe(0);
    expect(await rowVersions(db.knex)).toBe(before);
  });

  it('reprocess reproduces core exactly from raw, with no API call', async () => {
    const before = await coreChecksums(db.knex);
    const kpis = async () => (await db.knex.raw('SELECT * FROM reporting.daily_kpis ORDER BY day, department_id, channel')).rows;
    const kpisBefore = await kpis();
    expect(kpisBefore.length).toBeGreaterThan(3);
    await db.knex.raw('TRUNCATE core.sessions CASCADE');
    await db.knex.raw('SELECT core.rebuild_reporting_summaries()'); // summaries now empty: reprocess must rebuild them
    sim.resetStats();
    const r = await runCommand(reprocessCommand, testConfig(env));
    expect(r.code).toBe(0);
    expect(sim.stats().total).toBe(0);
    expect(await coreChecksums(db.knex)).toEqual(before);
    expect(await kpis()).toEqual(kpisBefore);

    // As after a metrics fix: rows computed by other code (another facts_hash, and another
    // transform version in their inputs key) are rewritten, and only those.
    await db.knex.raw(`UPDATE core.sessions SET in_queue_s = 999, facts_hash = 'computed-by-older-code', inputs_key = 'older-transform'
                        WHERE session_id IN (SELECT session_id FROM core.sessions ORDER BY session_id LIMIT 5)`);
    const again = await runCommand(reprocessCommand, testConfig(env));
    expect(again.code).toBe(0);
    const run = await db.knex('etl.runs').where({ kind: 'reprocess' }).orderBy('run_id', 'desc').first();
    expect(run.sessions_changed).toBe(5);
    expect(await coreChecksums(db.knex)).toEqual(before);
  });

  it('a reprocess with nothing changed reads no session (the inputs key decides in SQL), writes nothing and says why; --force rebuilds them all', async () => {
    const before = await rowVersions(db.knex);
    const r = await runCommand(reprocessCommand, testConfig(env));
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^reprocess: nothing to do: the [\d,]+ stored session\(s\) in the range were built from their stored payloads by this version of the transform, with the campaign modes known now \(no change since they were last built\); --force rebuilds them anyway$/m);
    const run = await db.knex('etl.runs').where({ kind: 'reprocess' }).orderBy('run_id', 'desc').first();
    expect(run.sessions_seen).toBe(0);
    expect(await rowVersions(db.knex)).toBe(before);

    const forced = await runCommand(reprocessCommand, testConfig(env), { force: true });
    expect(forced.code).toBe(0);
    const stored = Number((await db.knex('raw.sessions').count({ n: '*' }))[0].n);
    expect((await db.knex('etl.runs').where({ kind: 'reprocess' }).orderBy('run_id', 'desc').first()).sessions_seen).toBe(stored);
    expect(forced.output).toMatch(/^reprocess: [\d,]+ session\(s\) rebuilt, none changed: their facts came out exactly as stored, so nothing was written$/m);
    expect(await rowVersions(db.knex)).toBe(before);
  });

  it('what reprocess reads again: a changed transform version, new raw content, a give-up mark, a campaign mode learnt since', async () => {
    const ids = (await db.knex('core.sessions').select('session_id', 'campaign_id').orderBy('session_id')).map((x) => ({ id: Number(x.session_id), campaign: x.campaign_id === null ? null : Number(x.campaign_id) }));
    const campaign = ids.find((x) => x.campaign !== null)!.campaign!;
    const ofCampaign = ids.filter((x) => x.campaign === campaign).map((x) => x.id);
    const others = ids.filter((x) => x.campaign !== campaign).map((x) => x.id);
    // Facts tampered with but the inputs key intact: not even read (only a new transform rewrites facts).
    await db.knex.raw(`UPDATE core.sessions SET bcw_s = 12345 WHERE session_id = ?`, [others[0]]);
    await db.knex.raw(`UPDATE core.sessions SET inputs_key = 'another-transform-version' WHERE session_id = ?`, [others[1]]);
    await db.knex.raw(`UPDATE raw.sessions SET content_hash = 'new-content' WHERE session_id = ?`, [others[2]]);
    await db.knex.raw(`UPDATE raw.sessions SET completion_given_up_at = now() WHERE session_id = ?`, [others[3]]);
    await db.knex.raw(`UPDATE raw.campaigns SET payload = jsonb_set(coalesce(payload, '{}'), '{mode}', '"SomeNewMode"'), http_status = 200 WHERE campaign_id = ?`, [campaign]);
    const r = await runCommand(reprocessCommand, testConfig(env));
    expect(r.code).toBe(0);
    const run = await db.knex('etl.runs').where({ kind: 'reprocess' }).orderBy('run_id', 'desc').first();
    expect(run.sessions_seen).toBe(3 + ofCampaign.length);
    expect(Number((await db.knex('core.sessions').where({ session_id: others[0] }).first()).bcw_s)).toBe(12345);
    // And then nothing again.
    const again = await runCommand(reprocessCommand, testConfig(env));
    expect(again.code).toBe(0);
    expect((await db.knex('etl.runs').where({ kind: 'reprocess' }).orderBy('run_id', 'desc').first()).sessions_seen).toBe(0);
  });
});

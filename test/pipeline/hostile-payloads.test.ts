/**
 * Payloads that used to block a day forever (each failed its window on every rerun): nesting
 * deeper than anything can store, a list that never ends with items lacking ids, sessions from
 * another time. Each now ends with a reject or a failed window with its reason, and the rest of
 * the night intact. Through the real CLI against the simulator's switches over HTTP.
 * (A page larger than any string: test/mluvii/list-stream.test.ts.)
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { picks, type Misbehaviour } from '../../src/simulator/misbehaviour.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { differences, expectedFacts } from '../helpers/expected-facts.js';
import { pipelineEnv } from '../helpers/warehouse.js';

const SEED = 9;
const FROM = new Date('2026-06-01T00:00:00Z');
const TO = new Date('2026-06-03T00:00:00Z');
const range = ['--from', FROM.toISOString(), '--to', TO.toISOString()];

let db: TestDatabase | undefined;
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  await db?.drop();
  sim = undefined;
  db = undefined;
});

async function setUp(misbehaviour: Misbehaviour, extra: Record<string, string> = {}): Promise<{ sim: RunningSimulator; db: TestDatabase; env: Record<string, string> }> {
  db = await freshDatabase();
  sim = await startSimulator({ seed: SEED, sessionsPerDay: 150, misbehaviour, now: () => new Date('2026-06-10T00:00:00Z') });
  const env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC', MLUVII_RPS: '2000', MLUVII_CONCURRENCY: '16', ...extra });
  return { sim, db, env };
}

const rejects = async (d: TestDatabase) =>
  (await d.knex('etl.rejects').orderBy(['session_id', 'reason']).select('session_id', 'reason', 'raw_text')).map((r) => ({ ...r, session_id: r.session_id === null ? null : Number(r.session_id) }));
const loadedIds = async (d: TestDatabase) => (await d.knex('core.sessions').orderBy('session_id').pluck('session_id')).map(Number);
const windowStates = async (d: TestDatabase) => (await d.knex('etl.windows').orderBy('window_start').select('status', 'error')) as Array<{ status: string; error: string | null }>;

describe('a routing history too large to hold', () => {
  it('is read from its stream and dropped past MLUVII_MAX_ITEM_BYTES: that session goes to etl.rejects with the reason, the rest loads', async () => {
    const { sim, db, env } = await setUp({ oversizedRoutingRate: 0.05, oversizedBytes: 1_500_000 }, { MLUVII_MAX_ITEM_BYTES: '300000' });
    const all = sim.expectedSessionIds(FROM, TO);
    const big = all.filter((id) => picks(SEED, id, 'oversizedRouting', 0.05) && (sim?.sessionDetail(id)?.routingHistory as unknown[] | undefined)?.length);
    expect(big.length).toBeGreaterThan(2);
    const r = await runCli(['backfill', ...range], env);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await windowStates(db)).map((w) => w.status)).toEqual(['done', 'done']);
    const set = await rejects(db);
    expect(set.map((x) => x.session_id)).toEqual(big);
    for (const x of set) expect(x.reason).toMatch(new RegExp(`^oversized: the routing history of session ${x.session_id} is \\d+ bytes or more, more than MLUVII_MAX_ITEM_BYTES \\(300000\\)$`));
    expect(await differences(db.knex, expectedFacts(sim, all.filter((id) => !big.includes(id))))).toEqual([]);
  }, 240_000);
});

describe('nesting deeper than anything can store', () => {
  it('a NUL at depth 300, then 5000 levels: each such session goes to etl.rejects with its reason and first KB, the rest loads, reruns and status stay green', async () => {
    const { sim, db, env } = await setUp({ deepNesting: { rate: 0.1, depth: 300 } });
    const all = sim.expectedSessionIds(FROM, TO);
    const deep = all.filter((id) => picks(SEED, id, 'deep', 0.1));
    expect(deep.length).toBeGreaterThan(3);
    for (const depth of [300, 5000]) {
      sim.setMisbehaviour({ deepNesting: { rate: 0.1, depth } });
      const r = await runCli(['backfill', ...range, '--force'], env);
      expect({ depth, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ depth, code: 0, stderr: '' });
      expect((await windowStates(db)).map((w) => w.status)).toEqual(['done', 'done']);
      const set = await rejects(db);
      expect([...new Set(set.map((x) => x.session_id))]).toEqual(deep);
      for (const x of set) {
        expect(x.reason).toBe('too_deep: the payload nests arrays and objects more than 256 levels deep');
        expect(x.raw_text).toHaveLength(1024);
        expect(x.raw_text).toMatch(new RegExp(`^\\{"id":${x.session_id},`));
      }
      expect(await differences(db.knex, expectedFacts(sim, all.filter((id) => !deep.includes(id))))).toEqual([]);
      expect(await db.knex('raw.sessions').whereIn('session_id', deep).pluck('session_id')).toEqual([]);
    }
    const check = await runCli(['status', '--check'], env);
    expect({ code: check.code, out: check.stdout }).toEqual({ code: 0, out: expect.stringMatching(/^OK/) });
  }, 240_000);

  it('the depth bound holds even where Postgres has its smallest stack (max_stack_depth 100kB): a payload 256 levels deep with a NUL loads, sanitized', async () => {
    const { sim, db, env } = await setUp({ deepNesting: { rate: 0.1, depth: 253 } }); // the session, guest and callParams are 3 more levels
    await db.knex.raw(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET max_stack_depth = '100kB'`);
    const r = await runCli(['backfill', ...range], env);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const all = sim.expectedSessionIds(FROM, TO);
    const deep = all.filter((id) => picks(SEED, id, 'deep', 0.1));
    expect(deep.length).toBeGreaterThan(3);
    expect(await rejects(db)).toEqual([]);
    expect(await loadedIds(db)).toEqual(all);
    const flagged = await db.knex('core.sessions').whereRaw(`'text_sanitized' = ANY(quality_flags)`).orderBy('session_id').pluck('session_id');
    expect(flagged.map(Number)).toEqual(deep);
    const stored = await db.knex.raw(`SELECT payload #> '{guest,callParams,nested}' AS nested FROM raw.sessions WHERE session_id = ?`, [deep[0]]);
    let v: unknown = stored.rows[0].nested;
    let levels = 0;
    while (Array.isArray(v)) {
      v = v[0];
      levels++;
    }
    expect({ levels, bottom: v }).toEqual({ levels: 253, bottom: '\ufffd' });
  }, 240_000);
});

describe('a list that never ends', () => {
  it('pages of items without ids: each window fails after two list requests, naming the bound and its setting, before any routing request; status --check is red', async () => {
    const { sim, db, env } = await setUp({ endlessPages: 'without-ids' }, { MLUVII_PAGE_SIZE: '20' });
    sim.resetStats();
    const r = await runCli(['backfill', ...range], env);
    expect(r.code).toBe(1);
    const windows = await windowStates(db);
    expect(windows.map((w) => w.status)).toEqual(['failed', 'failed']);
    for (const w of windows) {
      expect(w.error).toMatch(
        /^GET \/api\/v1\/Sessions \(Created .*, offset 240000\) lists more than 240000 sessions, more than a window of its length can hold \(MLUVII_MAX_SESSIONS_PER_HOUR 10000 × 24 h\): .* giving up on this window before fetching any of its sessions/,
      );
    }
    const stats = sim.stats().byEndpoint;
    expect(stats.sessions).toEqual({ '200': 4 }); // per window: its first page and the one request past the bound
    expect(stats.routingHistory).toBeUndefined();
    expect(await rejects(db)).toEqual([]);
    const check = await runCli(['status', '--check'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/2 failed window\(s\), the first \[2026-06-01, 2026-06-02\) UTC: GET \/api\/v1\/Sessions .*lists more than 240000 sessions/);
  }, 120_000);

  it('the bound follows the setting and the window length: MLUVII_MAX_SESSIONS_PER_HOUR=2 fails 6-hour windows past 12 sessions', async () => {
    const { db, env } = await setUp({ endlessPages: true }, { MLUVII_MAX_SESSIONS_PER_HOUR: '2' });
    const r = await runCli(['backfill', '--from', '2026-06-01T00:00:00Z', '--to', '2026-06-01T12:00:00Z', '--window', '6h'], env);
    expect(r.code).toBe(1);
    for (const w of await windowStates(db)) expect(w.error).toMatch(/lists more than 12 sessions, .*\(MLUVII_MAX_SESSIONS_PER_HOUR 2 × 6 h\)/);
  }, 120_000);
});

describe('sessions from another time', () => {
  it('created in 1970 for a 2026 window: outside_window; years 9999, 1 and +275760: out of range, named; none loads, the rest does', async () => {
    const values = ['1970-01-01T00:00:00+00:00', '9999-12-31T23:59:59+00:00', '0001-01-01T00:00:00+00:00', '+275760-09-13T00:00:00.000Z'];
    const { sim, db, env } = await setUp({ strayCreated: { rate: 0.1, values } });
    const r = await runCli(['backfill', ...range], env);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const all = sim.expectedSessionIds(FROM, TO);
    const stray = all.filter((id) => picks(SEED, id, 'stray', 0.1));
    expect(new Set(stray.map((id) => id % values.length)).size).toBe(values.length); // every value is seen
    const reasonFor = (id: number): RegExp | string => {
      const created = values[id % values.length];
      if (created.startsWith('1970')) return /^outside_window: created "1970-01-01T00:00:00\+00:00" is outside the window it was listed for, 2026-06-0[12]T00:00:00\.000Z – 2026-06-0[23]T00:00:00\.000Z$/;
      const year = created.startsWith('9999') ? 9999 : created.startsWith('0001') ? 1 : 275760;
      return `bad_created: created "${created}" is out of range: year ${year} is not within 1700–2250, the years an instant is read for`;
    };
    const set = await rejects(db);
    expect(set.map((x) => x.session_id)).toEqual(stray);
    for (const x of set) expect(x.reason).toEqual(typeof reasonFor(x.session_id) === 'string' ? reasonFor(x.session_id) : expect.stringMatching(reasonFor(x.session_id)));
    expect(await loadedIds(db)).toEqual(all.filter((id) => !stray.includes(id)));
    expect(await differences(db.knex, expectedFacts(sim, all.filter((id) => !stray.includes(id))))).toEqual([]);
    expect((await windowStates(db)).map((w) => w.status)).toEqual(['done', 'done']);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
// `run --until END`; the simulator's clock stands 5 minutes past END, so the last sessions before
// it are still running when loaded. END is a weekday's busy hour whatever the pinned now: at night
// too few sessions run at once for their window to be worth listing again, and the test would
// measure the hour, not the code.
const END = busyHourBefore();
const START = new Date(END.getTime() - 15 * HOUR);

let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ seed: 8, sessionsPerDay: 1500, now: clockAt(new Date(END.getTime() + 5 * 60_000)) });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

describe('requests of a nightly run', () => {
  it('fetches nothing twice in one run: sessions of its own windows that are still incomplete wait for the next run', async () => {
    const env = pipelineEnv(db, sim, { ETL_START: START.toISOString(), ETL_SETTLE: '30m', ETL_WINDOW: '6h', REPORT_TZ: 'UTC' });
    sim.resetStats();
    const r = await runCommand(nightlyRun, testConfig(env), { until: END.toISOString() });
    expect(r.code).toBe(0);
    const sessions = Number((await db.knex('core.sessions').count({ n: '*' }))[0].n);
    const incomplete = Number((await db.knex('core.sessions').where({ is_complete: false }).count({ n: '*' }))[0].n);
    expect(incomplete).toBeGreaterThan(0);
    const stats = sim.stats().byEndpoint;
    const total = (e: string) => Object.values(stats[e] ?? {}).reduce((a, b) => a + b, 0);
    expect(total('routingHistory')).toBe(sessions); // one routing history per session, none twice
    expect(total('session')).toBe(0); // no detail re-fetch of a session this run just listed

    // The next night loads the next day; the simulator's clock stands days later, so every session
    // has concluded (a forgotten conclusion form can take hours). Besides the new day's sessions,
    // the incomplete ones are looked at again — their window listed again, since they are dense
    // there — and each is fetched once at most: its routing history, no detail.
    sim.setNow(clockAt(new Date(END.getTime() + 72 * HOUR)));
    sim.resetStats();
    const next = await runCommand(nightlyRun, testConfig(env), { until: new Date(END.getTime() + 24 * HOUR - 30 * 60_000).toISOString() });
    expect(next.code).toBe(0);
    const later = sim.stats().byEndpoint;
    const newSessions = Number((await db.knex('core.sessions').count({ n: '*' }))[0].n) - sessions;
    // Each incomplete session once: by id (detail + routing) where they are sparse, else its routing only.
    const details = Object.values(later.session ?? {}).reduce((a, b) => a + b, 0);
    expect(details).toBeLessThan(incomplete);
    expect(Object.values(later.routingHistory ?? {}).reduce((a, b) => a + b, 0)).toBe(incomplete + newSessions);
    const stillIncomplete = await db.knex('core.sessions').where({ is_complete: false }).where('created_at', '<', END).count({ n: '*' });
    expect(Number(stillIncomplete[0].n)).toBe(0);
  });
});

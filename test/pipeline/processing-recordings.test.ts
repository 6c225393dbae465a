/**
 * M-DONE and recordings: a session is complete once it is closed and concluded, but mluvii may
 * still be processing its recordings (their address comes later). `run` fetches such sessions
 * again (within ETL_INCOMPLETE_MAX_AGE), so their files do not stay "processing" for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backfillCommand } from '../../src/commands/backfill.js';
import { runCommand as nightlyRun } from '../../src/commands/run.js';
import { generateSessions, type SimulatedSession } from '../../src/simulator/generator.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { busyHourBefore, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv, runCommand, testConfig } from '../helpers/warehouse.js';

const HOUR = 3_600_000;
const SEED = 19;
const PER_DAY = 900;

/** Closed, concluded, and its recordings still processing, as the simulator shows it at `now`. */
const completeButStillProcessing = (s: SimulatedSession['session']) =>
  s.status === 'CLOSED' && (s.operators ?? []).every((o) => !o.left || o.concluded) && s.recordingsState === 'Processing';

/**
 * The first instant, going back from a weekday's busy hour a minute at a time, at which some
 * session of the three hours before it is such a session: the test needs one whatever day it is.
 */
function instantWithProcessingRecordings(): Date {
  const busy = busyHourBefore();
  for (let t = busy.getTime(); t > busy.getTime() - 3 * HOUR; t -= 60_000) {
    const at = new Date(t);
    if (generateSessions({ seed: SEED, sessionsPerDay: PER_DAY, from: new Date(t - 3 * HOUR), to: at, now: at }).some((x) => completeButStillProcessing(x.session))) return at;
  }
  throw new Error(`no session with recordings still processing in the 3 hours before ${busy.toISOString()}`);
}
const END = instantWithProcessingRecordings();
const START = new Date(END.getTime() - 3 * HOUR);
let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await freshDatabase();
  sim = await startSimulator({ seed: SEED, sessionsPerDay: PER_DAY, now: clockAt(END) });
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
});

const completeButProcessing = async () =>
  Number(
    (
      await db.knex.raw(`SELECT count(DISTINCT s.session_id) AS n FROM core.sessions s JOIN core.session_files f USING (session_id)
                          WHERE s.is_complete AND f.source_state = 'processing' AND s.created_at < ?`, [END.toISOString()])
    ).rows[0].n,
  );

describe('recordings still processing (M-DONE)', () => {
  it('a complete session whose recordings were processing is fetched again by the next run, and its files become available', async () => {
    const env = pipelineEnv(db, sim, { REPORT_TZ: 'UTC' });
    expect((await runCommand(backfillCommand, testConfig(env), { from: START.toISOString(), to: END.toISOString() })).code).toBe(0);
    const before = await completeButProcessing();
    expect(before).toBeGreaterThan(0);

    sim.setNow(clockAt(new Date(END.getTime() + 6 * HOUR)));
    sim.resetStats();
    expect((await runCommand(nightlyRun, testConfig(env), { until: END.toISOString() })).code).toBe(0);
    expect(await completeButProcessing()).toBe(0);
    const refetched = Object.values(sim.stats().byEndpoint.routingHistory ?? {}).reduce((a, b) => a + b, 0);
    expect(refetched).toBeGreaterThanOrEqual(before);
  });
});

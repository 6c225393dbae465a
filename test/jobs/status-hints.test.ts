/**
 * `status` on the intraday path: when hinted sessions were last read, the hints waiting, those no
 * worker took in time (a --check problem: nobody runs a worker), and those given up. The hints are
 * real pg-boss jobs written by serve's queue sink; their times are then set to fixed instants.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statusCommand } from '../../src/commands/status.js';
import { JOBS_SCHEMA, QUEUES } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/log.js';
import type { StatusReport } from '../../src/pipeline/status-report.js';
import { openWebhookQueue } from '../../src/serve/webhook-queue.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { runCommand, testConfig } from '../helpers/warehouse.js';

const NOW = new Date('2026-11-25T13:00:00Z');
const MINUTE = 60_000;
let db: TestDatabase;
let bare: TestDatabase;

const env = (d: TestDatabase) => ({ DATABASE_URL: d.url, REPORT_TZ: 'Europe/Prague' });
const statusJson = async (d: TestDatabase) => {
  const r = await runCommand(statusCommand, testConfig(env(d)), { json: true }, NOW);
  return JSON.parse(r.output) as StatusReport;
};
const setJob = (sessionId: number, set: string, params: unknown[]) =>
  db.knex.raw(`UPDATE ${JOBS_SCHEMA}.job SET ${set} WHERE name = ? AND (data->>'sessionId')::bigint = ?`, [...params, QUEUES.sessionHint.name, sessionId] as never);

beforeAll(async () => {
  db = await freshDatabase();
  bare = await freshDatabase();
  const queue = await openWebhookQueue(db.url, createLogger({ level: 'silent', pretty: false }), { debounceMs: 1000 });
  try {
    for (const sessionId of [1, 2, 3, 4]) await queue.sink.accept('default', { eventType: 'SessionEnded', sessionId } as never);
    // Another tenant's hint, overdue: not this tenant's problem.
    await queue.sink.accept('acme', { eventType: 'SessionEnded', sessionId: 1 } as never);
  } finally {
    await queue.stop();
  }
  await setJob(1, 'start_after = ?', [new Date(NOW.getTime() - 25 * MINUTE).toISOString()]);
  await setJob(2, 'start_after = ?', [new Date(NOW.getTime() - 12 * MINUTE).toISOString()]);
  await setJob(3, 'start_after = ?', [new Date(NOW.getTime() - 2 * MINUTE).toISOString()]);
  await setJob(4, "state = 'failed', completed_on = ?", [new Date(NOW.getTime() - 3 * 3_600_000).toISOString()]);
  await db.knex.raw(`UPDATE ${JOBS_SCHEMA}.job SET start_after = ? WHERE data->>'tenant' = 'acme'`, [new Date(NOW.getTime() - 60 * MINUTE).toISOString()]);
  await db.knex.raw(`INSERT INTO etl.hint_loads (loaded_through) VALUES (?)`, [new Date(NOW.getTime() - 30 * MINUTE).toISOString()]);
});

afterAll(async () => {
  await db?.drop();
  await bare?.drop();
});

describe('status of the intraday path', () => {
  it('shows when hinted sessions were last read, the hints waiting, overdue and given up; overdue hints fail --check', async () => {
    const s = (await statusJson(db)) as StatusReport & { tenants?: StatusReport[] };
    const report = s.tenants?.[0] ?? s;
    expect(report.intraday).toEqual({
      hintsLoadedThrough: new Date(NOW.getTime() - 30 * MINUTE).toISOString(),
      waiting: 3,
      overdue: 2,
      oldestOverdue: new Date(NOW.getTime() - 25 * MINUTE).toISOString(),
      givenUpLast24h: 1,
    });
    expect(report.check.problems.join('\n')).toMatch(/2 session hint\(s\) from `serve` were due more than 10 min ago and still wait \(the oldest since 2026-11-25T12:35:00\.000Z\): is a `mluvii-etl worker` running/);
    const text = await runCommand(statusCommand, testConfig(env(db)), {}, NOW);
    expect(text.output).toMatch(/^Intraday \(webhook hints from serve\): hinted sessions last read from the API 2026-11-25 13:30:00; 3 hint\(s\) waiting — 2 OVERDUE \(due since 2026-11-25T12:35:00\.000Z\): is a worker running\?; given up in the last 24 h: 1 /m);
    const check = await runCommand(statusCommand, testConfig(env(db)), { check: true }, NOW);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/session hint\(s\) from `serve`/);
  });

  it('says nothing of hints on a warehouse whose job queue was never created', async () => {
    const s = (await statusJson(bare)) as StatusReport & { tenants?: StatusReport[] };
    const report = s.tenants?.[0] ?? s;
    expect(report.intraday).toBeUndefined();
    expect(report.check.problems.join('\n')).not.toMatch(/hint/);
  });
});

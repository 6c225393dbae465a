/**
 * Logs never print payload contents, at any level (docs/privacy.md): every command that reads or
 * erases sessions, run as the real CLI at LOG_LEVEL=trace over sessions carrying planted personal
 * strings, writes none of them to its logs — nor the e-mail or phone `forget` was given.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { personalMarkerEmail, personalMarkerPhone } from '../../src/simulator/personal-markers.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { cli, logLines } from '../helpers/cli.js';
import { AFTER_TEST_RANGES, clockAt } from '../helpers/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pipelineEnv } from '../helpers/warehouse.js';

let sim: RunningSimulator;
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ now: clockAt(AFTER_TEST_RANGES), seed: 71, sessionsPerDay: 40, misbehaviour: { personalMarkers: 1, malformedRate: 0.05 }, files: { sharedFileRate: 0.6, hostileNameRate: 0.3, notFoundRate: 0.1 } });
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mluvii-logs-'));
});
afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('logs at LOG_LEVEL=trace', () => {
  it('never carry a payload, a planted personal string, or the guest value given to forget', async () => {
    const env = pipelineEnv(db, sim, { MLUVII_FILES_DIR: dir, LOG_LEVEL: 'trace', MLUVII_RPS: '2000', RAW_RETENTION: '210d' });
    const ids = sim.expectedSessionIds(new Date('2026-05-03T22:00:00Z'), new Date('2026-05-05T22:00:00Z'));
    sim.setNow(clockAt(new Date(AFTER_TEST_RANGES.getTime() - 3_600_000)));
    sim.anonymize(ids[1]);
    sim.setNow(clockAt(AFTER_TEST_RANGES));
    const email = personalMarkerEmail(ids[2]);
    const phone = personalMarkerPhone(ids[3]);
    const steps: string[][] = [
      ['backfill', '--from', '2026-05-04', '--to', '2026-05-06'],
      ['files', '--retry-failed'],
      ['run', '--until', '2026-05-06T01:00:00Z'],
      ['privacy', 'sweep'],
      ['forget', '--guest', email, '--dry-run'],
      ['forget', '--guest', email],
      ['forget', '--guest', phone],
      ['forget', '--session', String(ids[4])],
      ['forget', '--operator', '4'],
      ['forget', '--guest', `${email.slice(0, 10)}@`],
      ['reprocess', '--force'],
      ['status'],
    ];
    let stderr = '';
    for (const args of steps) {
      const r = await cli(args, env);
      stderr += r.err;
      const usage = args.includes('@') || args.some((a) => a.endsWith('@'));
      expect({ args: args.join(' ').slice(0, 60), code: r.code }).toEqual({ args: args.join(' ').slice(0, 60), code: usage ? 2 : args[0] === 'files' || args[0] === 'status' ? r.code : 0 });
    }
    expect(logLines(stderr).length).toBeGreaterThan(30);
    expect(logLines(stderr).some((l) => l.level === 10 || l.level === 20)).toBe(true);
    expect(stderr.match(/pii-\d+-\w+/g) ?? []).toEqual([]);
    expect([email, email.slice(0, 10), phone, phone.replace(/\D/g, '').slice(-9)].filter((v) => stderr.includes(v))).toEqual([]);
  }, 240_000);

  it('blanks a payload, a routing history, a reject text, a guest or call parameters handed to the logger by mistake', () => {
    const chunks: string[] = [];
    const out = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    const log = createLogger({ level: 'trace', destination: out, pretty: false });
    log.trace({ payload: { text: 'pii-1-chat' }, session: { routingHistory: [{ phoneNumber: 'pii-1-phone' }] }, raw_text: 'pii-1-raw', guest: { ipAddress: 'pii-1-ip' }, x: { callParams: { e: 'pii-1-mail' } } }, 'oops');
    expect(chunks.join('')).toContain('oops');
    expect(chunks.join('')).not.toMatch(/pii-1/);
  });
});

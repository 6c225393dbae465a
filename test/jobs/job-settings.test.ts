import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { superviseSeconds } from '../../src/jobs/boss.js';
import { MalformedJobError, readOutcome, readRunJobData, readUnitJobData } from '../../src/jobs/job-data.js';
import { jobTiming } from '../../src/jobs/queue-runner.js';
import { nightlyCron } from '../../src/jobs/schedules.js';
import { cli } from '../helpers/cli.js';

describe('worker settings (README "Configuration")', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ etlScheduleAt: '02:15', etlJobHeartbeatMs: 30_000, etlJobTimeoutMs: 6 * 3_600_000, etlWorkerConcurrency: 2, etlWorkerGraceMs: 25_000 });
    expect(jobTiming(loadConfig({}))).toEqual({ expireInSeconds: 21_600, heartbeatSeconds: 30 });
    // pg-boss looks for dead workers a few times per heartbeat.
    expect(loadConfig({}).etlTenantJobs).toBeUndefined();
    expect(loadConfig({ ETL_TENANT_JOBS: '2' }).etlTenantJobs).toBe(2);
    expect(superviseSeconds(loadConfig({}))).toBe(10);
    expect(superviseSeconds(loadConfig({ ETL_JOB_HEARTBEAT: '10s' }))).toBe(3);
    expect(nightlyCron('02:15')).toBe('15 2 * * *');
    expect(nightlyCron('7:05')).toBe('5 7 * * *');
  });

  it('refuses values pg-boss would refuse, naming the setting and its bounds', () => {
    expect(() => loadConfig({ ETL_JOB_HEARTBEAT: '5s' })).toThrow('ETL_JOB_HEARTBEAT must be between 10s and 1h, got "5s"');
    expect(() => loadConfig({ ETL_JOB_TIMEOUT: '2d' })).toThrow('ETL_JOB_TIMEOUT must be between 1m and 24h, got "2d"');
    expect(() => loadConfig({ ETL_WORKER_GRACE: 'soon' })).toThrow('ETL_WORKER_GRACE must be a duration');
    expect(() => loadConfig({ ETL_WORKER_CONCURRENCY: '0' })).toThrow('ETL_WORKER_CONCURRENCY must be a positive whole number, got "0"');
    expect(() => loadConfig({ ETL_TENANT_JOBS: '1.5' })).toThrow('ETL_TENANT_JOBS must be a positive whole number, got "1.5"');
    expect(() => loadConfig({ ETL_SCHEDULE_AT: '2:15am' })).toThrow('ETL_SCHEDULE_AT must be a time of day HH:MM (24-hour clock), got "2:15am"');
  });

  it('`worker --concurrency` takes a whole number from 1 to 64 (exit 2 otherwise, one line)', async () => {
    const r = await cli(['worker', '--concurrency', '0'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('mluvii-etl: --concurrency must be a whole number from 1 to 64, got "0"');
  });
});

describe('job data, as read back from the queue', () => {
  const window = { kind: 'window', from: '2026-05-04T00:00:00.000Z', to: '2026-05-05T00:00:00.000Z', force: false };

  it('reads a unit job and names the first thing wrong with a malformed one', () => {
    expect(readUnitJobData({ tenant: 'default', runId: 3, request: window })).toEqual({ tenant: 'default', runId: 3, request: window });
    const wrong = (data: unknown) => {
      try {
        readUnitJobData(data);
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedJobError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(wrong(null)).toBe('the job carries no data object');
    expect(wrong({ runId: 3, request: window })).toBe('the job names no tenant');
    expect(wrong({ tenant: 'default', runId: '3', request: window })).toBe('the job names no run (runId)');
    expect(wrong({ tenant: 'default', runId: 3, request: { kind: 'drop-tables' } })).toBe("the job's unit is none of window, campaigns, refetch, files, reprocess");
    expect(wrong({ tenant: 'default', runId: 3, request: { ...window, to: 'tomorrow' } })).toBe("the window job's to is not an instant");
    expect(wrong({ tenant: 'default', runId: 3, request: { kind: 'refetch', now: '2026-05-04T00:00:00Z' } })).toBe('the refetch job has no maxAgeMs');
  });

  it('reads a run job (with an optional until) and a unit outcome', () => {
    expect(readRunJobData({ tenant: 'default' })).toEqual({ tenant: 'default' });
    expect(readRunJobData({ tenant: 'default', until: '2026-05-07T00:00:00Z' })).toEqual({ tenant: 'default', until: '2026-05-07T00:00:00Z' });
    expect(() => readRunJobData({ tenant: 'default', until: 'later' })).toThrow("the run job's until is not an instant");
    expect(readOutcome({ kind: 'window', counts: { windowsDone: 1 }, failures: [] })).toEqual({ kind: 'window', counts: { windowsDone: 1 }, failures: [] });
    expect(readOutcome({ message: 'boom' })).toBeUndefined();
  });
});

import type { UnitKind, UnitOutcome, UnitRequest } from '../pipeline/unit-types.js';
import { isRecord } from '../util/json.js';
import type { SessionHint } from '../serve/webhook-queue.js';
import { QUEUES, type RunJobData, type UnitJobData } from './queues.js';

/**
 * Job data comes back from the database as JSON that anyone with access to the queue tables could
 * have written: read it field by field, and say what is wrong instead of running half a job.
 */

/** The kinds of unit a job may carry: every queue's but the scheduled runs' and serve's hints. */
const KINDS = Object.keys(QUEUES).filter((k) => k !== 'run' && k !== 'sessionHint') as UnitKind[];

export class MalformedJobError extends Error {
  override name = 'MalformedJobError';
}

const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The unit job's data, or a MalformedJobError naming the first field that is wrong. */
export function readUnitJobData(data: unknown): UnitJobData {
  if (!isRecord(data)) throw new MalformedJobError('the job carries no data object');
  if (!text(data.tenant)) throw new MalformedJobError('the job names no tenant');
  if (typeof data.runId !== 'number' || !Number.isSafeInteger(data.runId)) throw new MalformedJobError('the job names no run (runId)');
  const req = data.request;
  if (!isRecord(req) || !KINDS.includes(req.kind as UnitKind)) throw new MalformedJobError(`the job's unit is none of ${KINDS.join(', ')}`);
  const instant = (field: string, optional = false) => {
    const v = req[field];
    if (v === undefined && optional) return;
    if (!text(v) || Number.isNaN(Date.parse(v))) throw new MalformedJobError(`the ${String(req.kind)} job's ${field} is not an instant`);
  };
  if (req.kind === 'window' || req.kind === 'files') {
    instant('from');
    instant('to');
  }
  if (req.kind === 'refetch') {
    instant('now');
    instant('fetchedFrom', true);
    if (typeof req.maxAgeMs !== 'number') throw new MalformedJobError('the refetch job has no maxAgeMs');
  }
  return { tenant: data.tenant, runId: data.runId, request: req as unknown as UnitRequest };
}

export function readRunJobData(data: unknown): RunJobData {
  if (!isRecord(data) || !text(data.tenant)) throw new MalformedJobError('the run job names no tenant');
  if (data.until !== undefined && (!text(data.until) || Number.isNaN(Date.parse(data.until)))) throw new MalformedJobError('the run job\'s until is not an instant');
  return { tenant: data.tenant, ...(data.until === undefined ? {} : { until: data.until as string }) };
}

/** A session hint as `serve` wrote it (serve/webhook-queue.ts), or a MalformedJobError. */
export function readSessionHintData(data: unknown): SessionHint {
  if (!isRecord(data) || !text(data.tenant)) throw new MalformedJobError('the session hint names no tenant');
  if (typeof data.sessionId !== 'number' || !Number.isSafeInteger(data.sessionId) || data.sessionId <= 0) throw new MalformedJobError('the session hint names no session (sessionId)');
  const eventType = text(data.eventType) ? data.eventType : 'unknown';
  const receivedAt = text(data.receivedAt) && !Number.isNaN(Date.parse(data.receivedAt)) ? data.receivedAt : '';
  return { tenant: data.tenant, sessionId: data.sessionId, eventType, receivedAt };
}

/** A finished job's output as the unit's outcome; undefined when it is not one. */
export function readOutcome(output: unknown): UnitOutcome | undefined {
  if (!isRecord(output) || !KINDS.includes(output.kind as UnitKind) || !isRecord(output.counts) || !Array.isArray(output.failures)) return undefined;
  return output as unknown as UnitOutcome;
}

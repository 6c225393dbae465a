/**
 * Sessions are drawn per UTC hour ("bucket"), each bucket from its own PRNG stream seeded by
 * (seed, hour), so any range is a consistent subset of any larger range, and a session id encodes
 * its hour and its place in the bucket: the server finds a session from its id alone.
 */
import { ceilToDigits } from '../iso-format.js';
import { mixSeed, Rng } from '../random.js';
import { US, type SessionDraft } from './session-draft.js';
import { planSession } from './session-kinds.js';
import { fractionDigits } from './session-planner.js';
import { DEFAULT_SESSIONS_PER_DAY, expectedSessionsInHour } from './traffic-profile.js';

export const HOUR_MS = 3_600_000;
const HOUR_US = 3_600 * US;
/** Ids count hours from 2000-01-01 so they stay positive and far below 2^53. */
const ID_EPOCH_HOUR = Date.UTC(2000, 0, 1) / HOUR_MS;
export const IDS_PER_HOUR = 100_000;
/** Good sessions per hour are capped here; ids above it are free for the server's malformed items. */
export const MAX_SESSIONS_PER_HOUR = 90_000;

/** The UTC hour index of an instant in ms. */
export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** The hour a session id was generated in (ids encode it). */
export function hourOfSessionId(id: number): number {
  return Math.floor(id / IDS_PER_HOUR) + ID_EPOCH_HOUR;
}

/** Where a session id sits in its hour's bucket. */
export function indexOfSessionId(id: number): number {
  return (id % IDS_PER_HOUR) - 1;
}

/**
 * Every session created in one UTC hour, sorted by `created` (ids ascend with it).
 * Depends only on (seed, hour, sessionsPerDay).
 */
export function planBucket(seed: number, hour: number, sessionsPerDay: number = DEFAULT_SESSIONS_PER_DAY): SessionDraft[] {
  const r = new Rng(mixSeed(seed, hour, 0x5e55));
  const { mean, load } = expectedSessionsInHour(hour, sessionsPerDay);
  const count = Math.min(MAX_SESSIONS_PER_HOUR, r.poisson(mean));
  const hourStartUs = hour * HOUR_US;
  const createdTimes: number[] = new Array(count);
  for (let i = 0; i < count; i++) createdTimes[i] = ceilToDigits(hourStartUs + Math.floor(r.next() * HOUR_US), fractionDigits(r));
  createdTimes.sort((a, b) => a - b);
  const idBase = (hour - ID_EPOCH_HOUR) * IDS_PER_HOUR;
  const drafts: SessionDraft[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // Each session draws from its own stream so a change in one story never shifts the others.
    const sr = new Rng(mixSeed(seed, hour, i + 1));
    drafts[i] = planSession(sr, idBase + i + 1, Math.min(createdTimes[i], hourStartUs + HOUR_US - 1), load);
  }
  return drafts;
}

/**
 * A deterministic simulated contact center (pure: no I/O, no clock, no Math.random): the sessions
 * of a time range as the API shows them at an instant.
 *
 * Generation is two steps:
 * - `planBucket` (contact-center/hour-bucket.ts) draws everything random into drafts, one UTC hour
 *   at a time: what kind of session (session-kinds.ts, outbound-calls.ts), its routing
 *   (routing-request.ts), the operators' part (conversation.ts) and what follows (aftermath.ts).
 * - `renderSession` (contact-center/render-session.ts) shows a draft as the API would at an
 *   instant `now`.
 */
import { HOUR_MS, hourOf, planBucket } from './contact-center/hour-bucket.js';
import { END_OF_TIME_US, renderSession, type SimulatedSession } from './contact-center/render-session.js';

export type { SimulatedSession } from './contact-center/render-session.js';

/**
 * The sessions created in [from, to) that exist at `now` (default: far future, everything
 * concluded), sorted by `created`. Same seed and range → same sessions, and any range is a
 * consistent subset of a larger one.
 */
export function generateSessions(opts: { seed: number; from: Date; to: Date; now?: Date; sessionsPerDay?: number }): SimulatedSession[] {
  const fromUs = opts.from.getTime() * 1000;
  const toUs = opts.to.getTime() * 1000;
  const nowUs = opts.now ? opts.now.getTime() * 1000 : END_OF_TIME_US;
  const out: SimulatedSession[] = [];
  for (let h = hourOf(opts.from.getTime()); h * HOUR_MS < opts.to.getTime(); h++) {
    for (const d of planBucket(opts.seed, h, opts.sessionsPerDay)) {
      if (d.created >= fromUs && d.created < toUs && d.created <= nowUs) out.push(renderSession(d, nowUs));
    }
  }
  return out;
}

import type { Knex } from 'knex';
import { upsertRawSessions } from '../src/load/raw-sessions.js';
import { generateSessions } from '../src/simulator/generator.js';

const DAY = 86_400_000;
const PER_DAY = 5_000;

/**
 * Fills raw.sessions with `n` realistic sessions from the simulator's generator (what the API
 * would have returned), day by day so memory stays small.
 */
export async function fillRawSessions(knex: Knex, n: number, opts: { seed?: number; start?: Date } = {}): Promise<number> {
  let day = (opts.start ?? new Date('2026-01-05T00:00:00Z')).getTime();
  let written = 0;
  while (written < n) {
    const sims = generateSessions({ seed: opts.seed ?? 1, from: new Date(day), to: new Date(day + DAY), sessionsPerDay: PER_DAY });
    const take = sims.slice(0, n - written);
    for (let i = 0; i < take.length; i += 1000) {
      await upsertRawSessions(
        knex,
        take.slice(i, i + 1000).map((s) => ({ sessionId: Number(s.session.id), createdAt: String(s.session.created), payload: s.session, routingHistory: s.routingHistory })),
      );
    }
    written += take.length;
    day += DAY;
  }
  return written;
}

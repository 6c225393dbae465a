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

/** Multiplies raw.sessions in SQL (new ids, same content) to reach `target` rows cheaply. */
export async function multiplyRawSessions(knex: Knex, target: number): Promise<number> {
  const base = Number((await knex.raw('SELECT count(*) AS n FROM raw.sessions')).rows[0].n);
  const maxId = Number((await knex.raw('SELECT max(session_id) AS m FROM raw.sessions')).rows[0].m);
  let copies = 1;
  while (base * (copies + 1) <= target) {
    const offset = (maxId + 1) * copies;
    await knex.raw(
      `INSERT INTO raw.sessions (session_id, created_at, payload, routing_history, content_hash)
       SELECT session_id + ?, created_at, jsonb_set(payload, '{id}', to_jsonb(session_id + ?)), routing_history, content_hash || ?
         FROM raw.sessions WHERE session_id <= ?`,
      [offset, offset, `-${copies}`, maxId],
    );
    copies += 1;
  }
  return base * copies;
}

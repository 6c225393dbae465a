import type { Knex } from 'knex';
import { sanitizeText } from '../transform/sanitize-text.js';
import type { Reject } from '../transform/types.js';
import { contentHash } from './content-hash.js';

export interface RejectContext {
  runId: number | null;
  window?: { from: Date; to: Date };
}

/** Sets bad payloads aside with their reason. The same reject seen again is stored once. */
export async function insertRejects(db: Knex | Knex.Transaction, rejects: Reject[], ctx: RejectContext): Promise<void> {
  if (rejects.length === 0) return;
  // A reject must never fail its window: text Postgres cannot store is replaced (sanitize-text.ts).
  const rows = rejects.map((r) => ({
    reject_key: contentHash([r.reason, r.raw_text]),
    session_id: r.session_id,
    reason: sanitizeText(r.reason),
    raw_text: sanitizeText(r.raw_text),
    window_start: ctx.window?.from.toISOString() ?? null,
    window_end: ctx.window?.to.toISOString() ?? null,
    run_id: ctx.runId,
  }));
  await db.raw(
    `INSERT INTO etl.rejects (reject_key, session_id, reason, raw_text, window_start, window_end, run_id)
     SELECT * FROM jsonb_to_recordset(?::jsonb) AS x(reject_key text, session_id bigint, reason text, raw_text text,
            window_start timestamptz, window_end timestamptz, run_id bigint)
     ON CONFLICT (tenant, reject_key) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

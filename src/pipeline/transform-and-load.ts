import type { Knex } from 'knex';
import { upsertRawSessions, type RawSession } from '../load/raw-sessions.js';
import { insertRejects, type RejectContext } from '../load/rejects.js';
import { upsertSessionFacts } from '../load/session-facts.js';
import type { StoredRawRow } from '../load/stored-sessions.js';
import type { CampaignModeLookup } from '../mluvii/types.js';
import { transformSession } from '../transform/index.js';
import type { Reject, SessionFacts } from '../transform/types.js';
import { keepForgottenDataOut } from './personal-data-guard.js';

/** One session as extracted (or as read back from raw). */
export interface ExtractedSession {
  payload: unknown;
  routingHistory: unknown;
  /** run has stopped waiting for it to complete (M-DONE never_completed). */
  neverCompleted?: boolean;
  /** Read back from raw that was sanitized when received (text_sanitized). */
  textSanitized?: boolean;
  /** No string of it can hold U+0000 or a lone surrogate (its JSON text was scanned, or it comes from jsonb). */
  textChecked?: boolean;
  /** Not transformed: goes straight to etl.rejects (e.g. an item over MLUVII_MAX_ITEM_BYTES). */
  setAside?: { sessionId: number | null; reason: string; rawText: string };
}

/** A session read back from raw, ready for transformAndLoad (facts only: raw is already there). */
export function fromStoredRaw(row: Omit<StoredRawRow, 'session_id'>): ExtractedSession {
  return {
    payload: row.payload,
    routingHistory: row.routing_history,
    neverCompleted: row.completion_given_up_at !== null,
    textSanitized: row.text_sanitized,
    textChecked: true, // jsonb cannot hold NUL or lone surrogates
  };
}

export interface BatchResult {
  sessions: number;
  sessionsChanged: number;
  rejects: number;
  /** created_at range of the sessions whose facts changed, for the reporting summaries. */
  changedRange?: { from: string; to: string };
}

/**
 * transform → load for one batch, inside the caller's transaction: raw payloads (unless they
 * came from raw), facts, and rejects. The one place where a payload turns into rows.
 */
export async function transformAndLoad(
  trx: Knex.Transaction,
  batch: ExtractedSession[],
  opts: {
    campaignMode: CampaignModeLookup;
    writeRaw: boolean;
    rejectContext: RejectContext;
    storedHashes?: ReadonlyMap<number, string>;
    /** The window the batch was listed for: a session created outside it is rejected (`outside_window`). */
    listedFor?: { from: Date; to: Date };
  },
): Promise<BatchResult> {
  const facts: SessionFacts[] = [];
  const raws: RawSession[] = [];
  const rejects: Reject[] = [];
  // What comes from the API: never again the personal data of a session that lost it (docs/privacy.md).
  const items = opts.writeRaw ? await keepForgottenDataOut(trx, batch) : batch;
  for (const item of items) {
    if (item.setAside) {
      rejects.push({ kind: 'reject', session_id: item.setAside.sessionId, reason: item.setAside.reason, raw_text: item.setAside.rawText });
      continue;
    }
    const result = transformSession(
      { payload: item.payload, routingHistory: item.routingHistory, campaignMode: opts.campaignMode },
      { neverCompleted: item.neverCompleted, textSanitized: item.textSanitized, textChecked: item.textChecked, listedFor: opts.listedFor },
    );
    if (result.kind === 'reject') {
      rejects.push(result);
      continue;
    }
    facts.push(result.facts);
    if (opts.writeRaw) {
      // What Postgres can store: the sanitized copy when the transform had to replace text.
      const stored = result.sanitized ?? { payload: item.payload, routingHistory: item.routingHistory };
      raws.push({
        sessionId: result.facts.session.session_id,
        createdAt: result.facts.session.created_at,
        payload: stored.payload,
        routingHistory: stored.routingHistory ?? null,
        textSanitized: item.textSanitized === true || result.sanitized !== undefined,
      });
    }
  }
  if (opts.writeRaw) await upsertRawSessions(trx, raws);
  const written = await upsertSessionFacts(trx, facts, opts.storedHashes);
  await insertRejects(trx, rejects, opts.rejectContext);
  return { sessions: facts.length, sessionsChanged: written.changedIds.length, rejects: rejects.length, changedRange: written.createdRange };
}

export function mergeRange(a: { from: string; to: string } | undefined, b: { from: string; to: string } | undefined) {
  if (!a) return b;
  if (!b) return a;
  return { from: a.from < b.from ? a.from : b.from, to: a.to > b.to ? a.to : b.to };
}

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

export interface TransformAndLoadOptions {
  campaignMode: CampaignModeLookup;
  writeRaw: boolean;
  rejectContext: RejectContext;
  storedHashes?: ReadonlyMap<number, string>;
  /** The window the batch was listed for: a session created outside it is rejected (`outside_window`). */
  listedFor?: { from: Date; to: Date };
}

/** What only the load unit sets: where shared dimension rows go, and the hook that locks the sessions' hours. */
interface UnitHooks {
  /** Operator and group names are written here, outside the transaction (load/session-facts.ts says why). */
  dimensionsDb?: Knex;
  /**
   * Called once the batch is transformed, before anything is written, with the created_at of the
   * sessions it will write (load-unit.ts locks their hours); true when it took locks just now.
   */
  beforeWrite?: (createdAts: string[]) => Promise<boolean>;
}

/**
 * transform → load for one batch, inside the caller's transaction: raw payloads (unless they
 * came from raw), facts, and rejects. The one place where a payload turns into rows.
 */
export async function transformAndLoad(
  trx: Knex.Transaction,
  batch: ExtractedSession[],
  opts: TransformAndLoadOptions & UnitHooks,
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
  if (await opts.beforeWrite?.(facts.map((f) => f.session.created_at))) {
    // The hours are held now: no erasure of these sessions commits before this transaction does
    // (erase-sessions.ts takes them too). One that committed while they were awaited is applied
    // by doing the batch again under the locks.
    const again = opts.writeRaw ? await keepForgottenDataOut(trx, batch) : items;
    if (again.some((item, i) => !sameGuarded(item, items[i], batch[i]))) return transformAndLoad(trx, batch, { ...opts, beforeWrite: undefined });
  }
  if (opts.writeRaw) await upsertRawSessions(trx, raws);
  const written = await upsertSessionFacts(trx, facts, opts.storedHashes, opts.dimensionsDb);
  await insertRejects(trx, rejects, opts.rejectContext);
  return { sessions: facts.length, sessionsChanged: written.changedIds.length, rejects: rejects.length, changedRange: written.createdRange };
}

/** Whether the guard made the same of `original` both times (it builds a new copy each time it changes one). */
function sameGuarded(a: ExtractedSession, b: ExtractedSession, original: ExtractedSession): boolean {
  if (a === b) return true;
  if (a === original || b === original) return false;
  return JSON.stringify([a.payload, a.routingHistory, a.setAside]) === JSON.stringify([b.payload, b.routingHistory, b.setAside]);
}

export function mergeRange(a: { from: string; to: string } | undefined, b: { from: string; to: string } | undefined) {
  if (!a) return b;
  if (!b) return a;
  return { from: a.from < b.from ? a.from : b.from, to: a.to > b.to ? a.to : b.to };
}

/**
 * `forget`: erasure on request (docs/privacy.md). A guest's sessions (by id, or by an e-mail
 * address or phone number found in the stored payloads) lose their personal data in every table
 * and on disk; an operator's names become a pseudonym. It says how many sessions match before it
 * erases (`--dry-run` only counts), erases a batch per transaction, and a rerun finishes what a
 * killed one left. The e-mail or phone it was given is never printed, logged or recorded.
 */
import { closeAbandonedErasures, finishErasure, startErasure } from '../load/privacy-erasure.js';
import { countRejectsMatching, sessionsMatchingGuest, sessionsOfOperator, storedSessionIds, trimRejectsMatching, trimRejectsQuoting } from '../load/privacy-match.js';
import { namesOfOperator } from '../load/operator-pseudonyms.js';
import { operatorPseudonym } from '../privacy/operator-pseudonym.js';
import type { GuestKey } from '../privacy/guest-key.js';
import { CampaignModeCache } from './campaign-mode-cache.js';
import { eraseSessions, type EraseDeps } from './erase-sessions.js';
import { pseudonymizeOperator } from './pseudonymize-operator.js';
import { runAsWriter, type JobOutcome, type WriterRunHost } from './writer-run.js';

export type ForgetRequest = { what: 'sessions'; ids: number[] } | { what: 'guest'; key: GuestKey } | { what: 'operator'; userId: number };

/** What etl.runs may record of a request: never the e-mail or phone itself. */
function recordedArgs(req: ForgetRequest, dryRun: boolean): Record<string, unknown> {
  const base = req.what === 'sessions' ? { what: 'sessions', sessions: req.ids.length } : req.what === 'guest' ? { what: 'guest', by: req.key.kind } : { what: 'operator', userId: req.userId };
  return dryRun ? { ...base, dryRun } : base;
}

const n = (x: number) => x.toLocaleString('en-US');

export async function forget(host: Omit<WriterRunHost, 'client'>, req: ForgetRequest, { dryRun }: { dryRun: boolean }): Promise<number> {
  const { config, print } = host;
  return runAsWriter(host, 'forget', recordedArgs(req, dryRun), async ({ knex, runId, logger, signal, counts }) => {
    await closeAbandonedErasures(knex);
    const campaigns = await CampaignModeCache.fromDatabase(knex);
    const deps: EraseDeps = { knex, runId, logger, campaignMode: campaigns.lookup, filesDir: config.filesDir, signal };
    const nothing = (): JobOutcome => {
      print('forget --dry-run: counted only; nothing was erased');
      return { failures: [] };
    };

    if (req.what === 'operator') {
      const sessions = await sessionsOfOperator(knex, req.userId);
      const pseudonym = operatorPseudonym(req.userId);
      print(`forget: operator ${req.userId} appears in ${n(sessions.length)} stored session(s); their names become "${pseudonym}" in every table, their user id and KPIs stay`);
      if (dryRun) return nothing();
      const names = await namesOfOperator(knex, req.userId);
      const erasureId = await startErasure(knex, 'request', 'operator', runId);
      const rewritten = await pseudonymizeOperator(deps, req.userId, sessions, erasureId);
      const rejects = await trimRejectsQuoting(knex, names);
      await finishErasure(knex, erasureId, 'done');
      counts.sessionsSeen = rewritten;
      counts.sessionsChanged = rewritten;
      print(`forget: operator ${req.userId} is "${pseudonym}" now in ${n(rewritten)} session(s) and their dimension row; ${n(rejects)} reject(s) that quoted their names keep only reason and ids`);
      return { failures: [] };
    }

    let ids: number[];
    let rejectsMatching = 0;
    if (req.what === 'sessions') {
      const stored = await storedSessionIds(knex, req.ids);
      const missing = req.ids.filter((id) => !stored.includes(id));
      print(`forget: ${n(stored.length)} of the ${n(req.ids.length)} session(s) asked for are stored here${missing.length ? ` (not stored: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ' …' : ''}; their rejects, if any, are trimmed)` : ''}`);
      ids = req.ids;
    } else {
      ids = await sessionsMatchingGuest(knex, req.key.pattern);
      rejectsMatching = await countRejectsMatching(knex, req.key.pattern);
      const what = req.key.kind === 'email' ? 'e-mail address' : 'phone number';
      print(`forget: the guest's ${what} appears in ${n(ids.length)} stored session(s) and ${n(rejectsMatching)} reject(s)`);
    }
    if (dryRun) return nothing();

    const erasureId = await startErasure(knex, 'request', req.what, runId);
    const erased = await eraseSessions(deps, ids, { erasureId, why: 'request', removeCopies: true });
    let failures: JobOutcome['failures'] = [];
    if (req.what === 'guest') {
      erased.rejects += await trimRejectsMatching(knex, req.key.pattern);
      // The value may sit in a field docs/privacy.md keeps (a tag, an operator's name): say so, never where exactly.
      const still = await sessionsMatchingGuest(knex, req.key.pattern);
      if (still.length) {
        failures = [`the guest's value still appears in ${still.length} session(s) (ids ${still.slice(0, 20).join(', ')}), in fields docs/privacy.md does not list as personal data: remove it there by hand`];
      }
    }
    await finishErasure(knex, erasureId, failures.length ? 'failed' : 'done');
    counts.sessionsSeen = erased.sessions;
    counts.sessionsChanged = erased.sessions;
    print(`forget: ${n(erased.sessions)} session(s) erased (their facts and KPIs stay), ${n(erased.files)} file(s) deleted, ${n(erased.rejects)} reject(s) trimmed to reason and ids`);
    return { failures };
  });
}

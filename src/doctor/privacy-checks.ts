/**
 * What `doctor` checks of data protection (docs/privacy.md): whether the API lists sessions by
 * the `Anonymized` filter — without it the sweep cannot run, and what mluvii anonymizes keeps its
 * personal data here — and whether the warehouse's own retention is set.
 */
import type { Config } from '../config.js';
import { looksAnonymized } from '../privacy/source-anonymized.js';
import { wrappedArray } from '../util/json.js';
import { fail, ok, warn, type Check } from './check.js';
import type { Probe } from './probe.js';

const WITHOUT_SWEEP = 'the privacy sweep cannot run: sessions mluvii anonymizes keep their personal data in the warehouse until RAW_RETENTION or `forget` removes it';

/** One request: yesterday's anonymized sessions. Undefined when no token could be had (the token check says why). */
export async function anonymizedFilterCheck(probe: Probe, yesterday: { from: Date; to: Date; label: string }): Promise<Check | undefined> {
  if ((await probe.fetchToken()).status !== 200) return undefined;
  const query = { 'Anonymized.Min': yesterday.from.toISOString(), 'Anonymized.Max': yesterday.to.toISOString(), limit: '20', offset: '0' };
  const a = await probe.get('/api/v1/Sessions', query);
  const items = wrappedArray(a.json);
  if (a.status === 400 || a.status === 403) {
    const why = a.status === 400 ? 'refuses the Anonymized filter (HTTP 400)' : 'answered HTTP 403 for the Anonymized filter: the API user may not list sessions by it';
    return fail('anonymized', `GET /api/v1/Sessions ${why}`, `${WITHOUT_SWEEP}; ask mluvii to allow it, and set RAW_RETENTION no longer than mluvii's own anonymization`);
  }
  if (a.status !== 200 || !items) {
    // Not a refusal: the server was busy or away. The nightly sweep says so if it stays that way.
    return warn('anonymized', `could not ask for anonymized sessions: GET /api/v1/Sessions answered ${a.networkError ?? `HTTP ${a.status}`}`, '`status` says after the next run whether the privacy sweep works');
  }
  const notWiped = items.filter((x) => !looksAnonymized(x)).length;
  if (notWiped > 0) {
    return fail('anonymized', `the Anonymized filter lists ${notWiped} of ${items.length} session(s) that still carry messages or session parameters: the API seems to ignore it`, `${WITHOUT_SWEEP} (the sweep skips such sessions)`);
  }
  return ok('anonymized', `the Anonymized filter works: ${items.length}${items.length === 20 ? '+' : ''} session(s) anonymized ${yesterday.label}`);
}

const inDays = (ms: number) => `${Math.round(ms / 86_400_000)}d`;

/** The warehouse's own retention: RAW_RETENTION set, and files kept no longer than payloads. */
export function retentionCheck(config: Config): Check {
  const raw = config.rawRetentionMs;
  if (raw === undefined) {
    return warn('retention', `RAW_RETENTION is not set: stored payloads keep guests' personal data as long as the warehouse lives (REJECTS_RETENTION ${inDays(config.rejectsRetentionMs)})`, "set RAW_RETENTION (e.g. 400d) to what your retention rules allow; it never changes a fact or KPI");
  }
  if (config.filesDir && (config.filesRetentionMs === undefined || config.filesRetentionMs > raw)) {
    return warn('retention', `RAW_RETENTION ${inDays(raw)}, but downloaded recordings are kept ${config.filesRetentionMs === undefined ? 'forever' : inDays(config.filesRetentionMs)} (FILES_RETENTION)`, 'recordings are personal data too: set FILES_RETENTION no longer than RAW_RETENTION');
  }
  return ok('retention', `RAW_RETENTION ${inDays(raw)}, REJECTS_RETENTION ${inDays(config.rejectsRetentionMs)}${config.filesRetentionMs !== undefined ? `, FILES_RETENTION ${inDays(config.filesRetentionMs)}` : ''}`);
}

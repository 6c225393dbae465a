/**
 * Whether the API lists sessions by the `SessionId` filter. Session hints and the re-fetch of
 * incomplete sessions ask for the details of a batch in one list request filtered by their ids;
 * an API that refuses or ignores the filter makes each session cost a request of its own (the
 * ETL notices and does so by itself, at that cost).
 */
import { payloadId, wrappedArray } from '../util/json.js';
import { ok, warn, type Check } from './check.js';
import type { Probe } from './probe.js';

const COST = 'session hints and the re-fetch of incomplete sessions then cost one detail request per session instead of a share of one list request';

/**
 * One request: the second session of yesterday's first page (`listedIds`, as the list check read
 * it), asked for by the SessionId filter. An API that ignores the filter answers its first page,
 * which starts with another session.
 */
export async function sessionIdFilterCheck(probe: Probe, listedIds: number[], label: string): Promise<Check> {
  if (listedIds.length < 2) return warn('session ids', `not checked: fewer than two sessions ${label}`, 'run doctor again on a day with sessions');
  const asked = listedIds[1];
  const a = await probe.get('/api/v1/Sessions', { SessionId: String(asked), limit: '2', offset: '0' });
  if (a.status === 400 || a.status === 403) return warn('session ids', `GET /api/v1/Sessions answered HTTP ${a.status} for the SessionId filter`, COST);
  const got = wrappedArray(a.json);
  if (a.status !== 200 || !got) return warn('session ids', `could not ask for a session by the SessionId filter: GET /api/v1/Sessions answered ${a.networkError ?? `HTTP ${a.status}`}`, 'the workers find out by themselves, and warn if the filter does not work');
  const answered = got.map((x) => payloadId(x));
  if (answered.length === 1 && answered[0] === asked) return ok('session ids', 'the SessionId filter works: a batch of sessions asked for by id costs one list request');
  return warn('session ids', `asked for session ${asked} by the SessionId filter, the list answered ${answered.length === 0 ? 'no session' : `session(s) ${answered.join(', ')}`}: the API ${answered.length === 0 ? 'does not list it' : 'ignores the filter'}`, COST);
}

/**
 * What `doctor` asks the API, a few dozen requests at most: the token, yesterday's list (count,
 * `limit`, stable order), list item vs detail, routing histories, campaigns, the SessionId filter,
 * /Users, the server's clock and its rate limiting.
 */
import { payloadId, wrappedArray } from '../util/json.js';
import { fail, ok, warn, type Check } from './check.js';
import type { Probe } from './probe.js';
import { sessionIdFilterCheck } from './session-id-check.js';

const API = '/api/v1';
/** Pages read to count yesterday's sessions before saying "at least". */
const MAX_COUNT_PAGES = 6;
/** Ended sessions whose detail and routing history are compared. */
const SAMPLE = 3;
const MAX_CAMPAIGNS = 5;

type Item = Record<string, unknown>;
const isItem = (x: unknown): x is Item => x !== null && typeof x === 'object' && !Array.isArray(x);
const idOf = (x: unknown): number | undefined => (isItem(x) && typeof x.id === 'number' ? x.id : undefined);
const answered = (a: { status: number; networkError?: string }) => (a.networkError ? a.networkError : `HTTP ${a.status}`);
const present = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

export interface ApiCheckInput {
  /** MLUVII_RPS, which the measured limit is compared with. */
  rps: number | 'auto';
  probe: Probe;
  /** Yesterday in REPORT_TZ, as instants, and its name. */
  yesterday: { from: Date; to: Date; label: string };
  pageSize: number;
}

export async function apiChecks({ probe, yesterday, pageSize, rps }: ApiCheckInput): Promise<Check[]> {
  const checks: Check[] = [];

  const t = await probe.fetchToken();
  if (t.status !== 200) {
    checks.push(
      fail('token', `the token endpoint answered ${answered(t)}${isItem(t.json) && typeof t.json.error === 'string' ? ` (${t.json.error})` : ''}`, t.status === 400 || t.status === 401 ? 'check MLUVII_CLIENT_ID and MLUVII_CLIENT_SECRET (the API user of mluvii administration)' : 'check MLUVII_TOKEN_URL / MLUVII_BASE_URL and that the host is reachable'),
    );
    return checks;
  }
  if (!(isItem(t.json) && typeof t.json.access_token === 'string')) {
    checks.push(fail('token', 'the token endpoint answered 200 without an access_token', 'is MLUVII_TOKEN_URL the OAuth2 token endpoint?'));
    return checks;
  }
  const exp = probe.tokenExpiresIn;
  checks.push(exp === undefined ? warn('token', 'obtained, but the answer has no expires_in', 'the ETL then assumes 1 hour') : exp < 300 ? warn('token', `obtained, expires_in ${exp} s`, 'short-lived tokens are renewed often; fine, but unusual') : ok('token', `obtained, expires_in ${exp} s`));

  // --- the list: yesterday's window ---
  const window = { 'Created.Min': yesterday.from.toISOString(), 'Created.Max': yesterday.to.toISOString() };
  const list = (limit: number, offset: number) => probe.get(`${API}/Sessions`, { ...window, limit: String(limit), offset: String(offset) });
  const first = await list(pageSize, 0);
  const firstItems = wrappedArray(first.json);
  if (first.status !== 200 || !firstItems) {
    checks.push(fail('list', `GET ${API}/Sessions for ${yesterday.label} answered ${answered(first)}${first.status === 200 ? ' without a JSON array' : ''}`, first.status === 403 ? 'the API user may not read sessions' : 'the ETL cannot extract anything until this works'));
    return [...checks, ...(await tailChecks(probe, rps))];
  }
  // Count: page on until an empty page (a short page is no proof of the end: the server may cap pages).
  let count = firstItems.length;
  let pages = 1;
  let cap: number | undefined;
  let last = firstItems;
  let complete = firstItems.length === 0;
  const sample: Item[] = firstItems.filter(isItem);
  while (!complete && pages < MAX_COUNT_PAGES) {
    const next = await list(pageSize, count);
    const items = wrappedArray(next.json);
    if (next.status !== 200 || !items) {
      checks.push(fail('list', `page ${pages + 1} (offset ${count}) of ${yesterday.label} answered ${answered(next)}`, 'paging a window fails; the ETL would fail this window'));
      break;
    }
    if (last.length < pageSize && items.length > 0) cap = last.length;
    pages += 1;
    if (items.length === 0) complete = true;
    count += items.length;
    last = items;
    if (sample.length < 50) sample.push(...items.filter(isItem));
  }
  checks.push(ok('list', `${yesterday.label}: ${complete ? '' : 'at least '}${count} sessions (${pages} page${pages === 1 ? '' : 's'} of limit ${pageSize})`));
  // limit: honoured (a small limit gives that many), capped, or ignored.
  if (count > 2) {
    const small = await list(2, 0);
    const n = wrappedArray(small.json)?.length;
    if (n !== undefined && n > 2) checks.push(fail('limit', `asked for limit 2, got ${n} items: the server ignores limit`, 'paging by offset would repeat sessions; report this to mluvii'));
    else if (cap !== undefined) checks.push(warn('limit', `honours small limits but caps pages at ${cap} items (MLUVII_PAGE_SIZE=${pageSize} asks for more)`, `the ETL pages until an empty page, so nothing is lost; set MLUVII_PAGE_SIZE=${cap} to save requests`));
    else checks.push(ok('limit', `honoured (limit 2 gave ${n ?? '?'} items${complete && count > pageSize ? `, pages of ${pageSize} were full` : ''})`));
  } else {
    checks.push(warn('limit', `not checked: ${count} sessions ${yesterday.label}`, 'run doctor again on a day with sessions'));
  }
  // Order: the same page read twice must give the same ids in the same order, or offset paging can skip or repeat sessions.
  if (count > 1) {
    const again = await list(pageSize, 0);
    const a = firstItems.map(idOf).join(',');
    const b = (wrappedArray(again.json) ?? []).map(idOf).join(',');
    const sameSet = [...firstItems.map(idOf)].sort().join(',') === [...(wrappedArray(again.json) ?? []).map(idOf)].sort().join(',');
    if (a === b) checks.push(ok('order', 'two reads of the first page gave the same ids in the same order'));
    else
      checks.push(
        warn(
          'order',
          sameSet ? 'two reads of the first page gave the same ids in a different order' : 'two reads of the first page gave different ids',
          'the list has no stable order, so offset paging may skip or repeat sessions across pages; compare counts with mluvii reports, and keep windows small (ETL_WINDOW=6h)',
        ),
      );
  }

  // --- list item vs detail, routing histories, for a few ended sessions ---
  const ended = sample.filter((s) => typeof s.id === 'number' && present(s.ended)).slice(0, SAMPLE);
  if (ended.length === 0) {
    checks.push(warn('detail', `no ended session ${yesterday.label} to compare`, 'run doctor again on a day with sessions'));
  } else {
    const lacking = new Map<string, number>();
    const routing: string[] = [];
    let routingOk = 0;
    let routing404 = 0;
    /** Not asked: the server was pacing us (429) or failing (5xx, no answer) — says nothing about the routing history. */
    const routingNotAsked: string[] = [];
    for (const s of ended) {
      const d = await probe.get(`${API}/Sessions/${s.id}`);
      if (d.status === 200 && isItem(d.json)) {
        for (const [key, value] of Object.entries(d.json)) if (present(value) && !present(s[key])) lacking.set(key, (lacking.get(key) ?? 0) + 1);
      } else {
        checks.push(warn('detail', `GET ${API}/Sessions/${s.id} answered ${answered(d)}`, 'the ETL needs the detail when list items are thin'));
      }
      const r = await probe.get(`${API}/Sessions/${s.id}/routingHistory`);
      if (r.status === 404) routing404 += 1;
      else if (r.status === 429 || r.status >= 500 || r.networkError) routingNotAsked.push(`session ${s.id}: ${answered(r)}`);
      else if (r.status !== 200) routing.push(`session ${s.id}: ${answered(r)}`);
      else {
        const items = Array.isArray(r.json) ? r.json : wrappedArray(r.json);
        if (!items) routing.push(`session ${s.id}: 200 but not a JSON array (${typeof r.json})`);
        else if (items.some((e) => !isItem(e) || !('timestamp' in e) || !('activityType' in e))) routing.push(`session ${s.id}: items without timestamp/activityType`);
        else routingOk += 1;
      }
    }
    const keys = [...lacking.keys()].sort();
    checks.push(
      keys.length
        ? warn('detail', `list items lack fields the detail has, for ${Math.max(...lacking.values())} of ${ended.length} ended sessions: ${keys.join(', ')}`, 'the ETL fetches GET /Sessions/{id} for an ended session whose list item lacks operators or activities (one more request each)')
        : ok('detail', `list items carry every field the detail has (${ended.length} ended sessions compared)`),
    );
    if (routing.length) checks.push(fail('routing', `routing history of ${routing.length} of ${ended.length} sessions unusable: ${routing.join('; ')}`, 'routing events (first offer, queue groups) cannot be loaded; report to mluvii'));
    else if (routingNotAsked.length) checks.push(warn('routing', `${routingNotAsked.length} of ${ended.length} routing histories could not be read now (${routingNotAsked.join('; ')}); ${routingOk} fine, ${routing404} answered 404`, 'the server was pacing or failing, not refusing: the ETL retries these; run doctor again for a verdict'));
    else if (routing404) checks.push(warn('routing', `${routing404} of ${ended.length} sessions answered 404 for their routing history (${routingOk} fine)`, 'they load with the flag routing_unavailable; check the API user may read routing history'));
    else checks.push(ok('routing', `routing history of ${routingOk} sessions: JSON arrays of timeline items`));
  }

  // --- campaigns seen in the sample ---
  const campaignIds = [...new Set(sample.map((s) => s.campaignId).filter((c): c is number => typeof c === 'number'))].slice(0, MAX_CAMPAIGNS);
  if (campaignIds.length === 0) checks.push(ok('campaigns', `no campaign sessions among ${sample.length} listed`));
  else {
    const modes: string[] = [];
    const bad: string[] = [];
    for (const id of campaignIds) {
      const c = await probe.get(`${API}/Campaigns/${id}`);
      if (c.status === 200 && isItem(c.json) && typeof c.json.mode === 'string') modes.push(`${id} ${c.json.mode}`);
      else if (c.status === 404) bad.push(`${id}: 404 (deleted?)`);
      else bad.push(`${id}: ${c.status === 200 ? 'not a campaign' : answered(c)}`);
    }
    const head = `${campaignIds.length} seen; readable: ${modes.length ? modes.join(', ') : 'none'}`;
    checks.push(bad.length ? warn('campaigns', `${head}; unreadable: ${bad.join(', ')}`, 'sessions of an unreadable campaign get ring_s NULL and the flag unknown_campaign_mode (M-RING); a later run tries again') : ok('campaigns', head));
  }
  checks.push(await sessionIdFilterCheck(probe, firstItems.map((x) => payloadId(x)).filter((id): id is number => id !== undefined), yesterday.label));
  return [...checks, ...(await tailChecks(probe, rps, { ...window, limit: '1', offset: '0' }))];
}

/** Requests of the burst that measures the server's rate limit. */
const BURST = 12;

/**
 * /Users, the clock, and the server's rate limit: what it said (429s, headers) and, with
 * `burstQuery` (a cheap list call), what a burst measures.
 */
async function tailChecks(probe: Probe, rps: number | 'auto', burstQuery?: Record<string, string>): Promise<Check[]> {
  const checks: Check[] = [];
  const u = await probe.get(`${API}/Users`);
  const users = wrappedArray(u.json);
  if (u.status === 200 && users) checks.push(ok('users', `GET ${API}/Users permitted: ${users.length} users (operator names come from it)`));
  else
    checks.push(
      warn('users', `GET ${API}/Users answered ${answered(u)}${u.status === 200 ? ' without a JSON array' : ''}`, 'operator names will come from the session payloads; give the API user the right to list users for the names of operators mluvii knows'),
    );

  if (probe.skewsMs.length === 0) checks.push(warn('clock', 'no Date header in the answers', 'cannot compare clocks; make sure this machine keeps time (NTP)'));
  else {
    const skew = probe.skewsMs.reduce((a, b) => a + b, 0) / probe.skewsMs.length;
    const s = Math.round(skew / 1000);
    const text = `server clock ${s === 0 ? 'agrees with ours (within a second)' : `is ${Math.abs(s)} s ${s > 0 ? 'ahead of' : 'behind'} ours`}`;
    checks.push(Math.abs(skew) > 60_000 ? warn('clock', text, 'windows end at now − ETL_SETTLE by our clock: fix NTP, or raise ETL_SETTLE by the skew') : ok('clock', text));
  }

  const headers = [...probe.rateHeaders.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
  const seen = headers ? `; rate-limit headers: ${headers}` : '; no rate-limit headers';
  checks.push(
    probe.rateLimited
      ? warn('rate limit', `${probe.rateLimited} of ${probe.requests} requests answered 429${seen}`, 'the ETL waits and retries, but a lower MLUVII_RPS wastes fewer requests')
      : ok('rate limit', `no 429 in ${probe.requests} requests${seen}`),
  );
  // Last: its 429s are on purpose, and would otherwise slow the checks above.
  if (burstQuery) checks.push(limitAdvice(await probe.burst(`${API}/Sessions`, burstQuery, BURST), rps));
  return checks;
}

/** What MLUVII_RPS to set for the limit a burst found: too high wastes requests on 429s, too low wastes the night. */
function limitAdvice(b: { sent: number; admitted: number; refused: number; withinMs: number }, rps: number | 'auto'): Check {
  const now = rps === 'auto' ? 'MLUVII_RPS=auto' : `MLUVII_RPS=${rps}`;
  if (b.sent === 0) return warn('measured', 'no requests left in the budget to measure the rate limit', 'MLUVII_RPS=auto finds it during a run (status shows the rate)');
  if (b.refused > 0) {
    const limit = Math.max(1, b.admitted);
    const text = `a burst of ${b.sent} requests: ${b.admitted} admitted, ${b.refused} answered 429 — the limit is about ${limit} requests/s`;
    if (rps !== 'auto' && rps <= limit) return ok('measured', `${text}; ${now} stays under it`);
    return warn('measured', text, `set MLUVII_RPS=${limit} (${now} now${rps === 'auto' ? ', which finds it too, after a few 429s' : ''})`);
  }
  const text = `a burst of ${b.sent} requests within ${(b.withinMs / 1000).toFixed(1)} s: all admitted — the limit is at least ${b.sent} requests/s`;
  if (rps === 'auto' || rps >= b.sent) return ok('measured', `${text}; ${now}`);
  return warn('measured', `${text}, and ${now} uses ${rps}`, `set MLUVII_RPS=auto (it finds the limit; status shows it) or MLUVII_RPS=${b.sent}: a night loads up to ${(b.sent / rps).toFixed(1)}× faster`);
}

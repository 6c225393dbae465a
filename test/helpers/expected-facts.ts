import type { Knex } from 'knex';
import { contentHash } from '../../src/load/content-hash.js';
import { CAMPAIGNS } from '../../src/simulator/catalog.js';
import type { RunningSimulator } from '../../src/simulator/server.js';
import { routingUnavailable, transformSession, type SessionFacts } from '../../src/transform/index.js';

/** M-RING lookups as the simulator's catalog says (deleted campaigns: unknown). */
export const catalogCampaignMode = (id: number): string => CAMPAIGNS.find((c) => c.id === id)?.mode ?? 'unknown';

/**
 * What the warehouse must hold for `ids`: the transform of what the simulator's detail endpoint
 * answers now (its final payloads, with the same misbehaviour), independently of the pipeline.
 */
export function expectedFacts(sim: RunningSimulator, ids: number[], campaignMode: (id: number) => string = catalogCampaignMode): Map<number, SessionFacts> {
  const out = new Map<number, SessionFacts>();
  for (const id of ids) {
    const detail = sim.sessionDetail(id);
    if (!detail) throw new Error(`the simulator does not know session ${id}`);
    const r = transformSession({
      payload: detail.session,
      routingHistory: detail.routingHistory ?? routingUnavailable('HTTP 404'),
      campaignMode,
    });
    if (r.kind !== 'facts') throw new Error(`session ${id} is a reject: ${r.reason}`);
    out.set(id, r.facts);
  }
  return out;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const SESSION_NUMBERS = ['created_s', 'in_queue_s', 'waiting_s', 'bcw_s', 'active_s', 'acw_s', 'ring_s', 'waited_s', 'answer_s', 'department_id', 'company_id', 'campaign_id'] as const;
const OPERATOR_NUMBERS = ['queue_s', 'active_s', 'acw_s', 'offers', 'missed', 'stints'] as const;

/**
 * Every difference between core and `expected`, as readable lines (empty when exact): the set of
 * sessions, each session's facts_hash (covering every row of it), its durations and flags, and
 * each operator row's durations and names. With `tenant`, only that tenant's rows are compared
 * (two tenants may hold the same session ids).
 */
export async function differences(knex: Knex, expected: Map<number, SessionFacts>, tenant?: string): Promise<string[]> {
  const diffs: string[] = [];
  const ofTenant = <T extends Knex.QueryBuilder>(q: T): T => (tenant === undefined ? q : (q.where('tenant', tenant) as T));
  const sessions = (await ofTenant(knex('core.sessions').select('*'))) as Array<Record<string, unknown>>;
  const byId = new Map(sessions.map((s) => [Number(s.session_id), s]));
  for (const id of expected.keys()) if (!byId.has(id)) diffs.push(`session ${id} missing`);
  for (const id of byId.keys()) if (!expected.has(id)) diffs.push(`session ${id} not expected`);
  const operators = (await ofTenant(knex('core.session_operators').select('*'))) as Array<Record<string, unknown>>;
  const opByKey = new Map(operators.map((o) => [`${Number(o.session_id)}/${Number(o.user_id)}`, o]));
  let expectedOperatorRows = 0;
  for (const [id, facts] of expected) {
    const row = byId.get(id);
    if (!row) continue;
    if (row.facts_hash !== contentHash(facts)) diffs.push(`session ${id}: facts_hash differs`);
    for (const c of SESSION_NUMBERS) {
      if (num(row[c]) !== num(facts.session[c])) diffs.push(`session ${id} ${c}: ${String(row[c])} ≠ ${String(facts.session[c])}`);
    }
    if (JSON.stringify(row.quality_flags) !== JSON.stringify(facts.session.quality_flags)) {
      diffs.push(`session ${id} quality_flags: ${JSON.stringify(row.quality_flags)} ≠ ${JSON.stringify(facts.session.quality_flags)}`);
    }
    if (row.is_complete !== facts.session.is_complete) diffs.push(`session ${id} is_complete: ${String(row.is_complete)} ≠ ${String(facts.session.is_complete)}`);
    for (const o of facts.operators) {
      expectedOperatorRows += 1;
      const got = opByKey.get(`${id}/${o.user_id}`);
      if (!got) {
        diffs.push(`operator row ${id}/${o.user_id} missing`);
        continue;
      }
      for (const c of OPERATOR_NUMBERS) if (num(got[c]) !== num(o[c])) diffs.push(`operator ${id}/${o.user_id} ${c}: ${String(got[c])} ≠ ${String(o[c])}`);
      for (const c of ['first_name', 'last_name', 'user_name'] as const) if (got[c] !== o[c]) diffs.push(`operator ${id}/${o.user_id} ${c}: ${String(got[c])} ≠ ${String(o[c])}`);
    }
  }
  if (operators.length !== expectedOperatorRows) diffs.push(`${operators.length} operator rows, expected ${expectedOperatorRows}`);
  return diffs;
}

/** Hand-built core rows for the reporting tests: only what a KPI reads, the rest defaulted. */
import type { Knex } from 'knex';

export interface SessionSpec {
  id: number;
  created: string;
  dept?: number | null;
  channel?: string | null;
  offered?: boolean;
  /** An operator accepted it (core.sessions.is_accepted); answered (K-ANSWERED) when also offered. */
  accepted?: boolean;
  complete?: boolean;
  inQueue?: number | null;
  waiting?: number | null;
  answer?: number | null;
  active?: number | null;
  acw?: number | null;
  /** First RoutingRequestCreated (arrival in the queue); default: `created` when offered. */
  queued?: string | null;
  ended?: string | null;
}

export interface OperatorRowSpec {
  session: number;
  user: number;
  userName?: string | null;
  joined?: string | null;
  queue?: number | null;
  active?: number | null;
  acw?: number | null;
  offers?: number;
  missed?: number;
}

export function sessionRow(s: SessionSpec): Record<string, unknown> {
  const complete = s.complete ?? true;
  return {
    session_id: s.id,
    company_id: 1,
    department_id: s.dept === undefined ? 1 : s.dept,
    channel: s.channel === undefined ? 'Chat' : s.channel,
    source: 'Default',
    status: complete ? 'CLOSED' : 'OPEN',
    created_at: s.created,
    first_routing_at: s.queued === undefined ? ((s.offered ?? true) ? s.created : null) : s.queued,
    ended_at: s.ended ?? null,
    in_queue_s: s.inQueue ?? null,
    waiting_s: s.waiting ?? null,
    answer_s: s.answer ?? null,
    active_s: s.active ?? null,
    acw_s: s.acw ?? null,
    is_offered: s.offered ?? true,
    is_accepted: s.accepted ?? false,
    is_complete: complete,
    skipped_states: complete ? [] : null,
    facts_hash: `fixture-${s.id}`,
  };
}

export function operatorRow(o: OperatorRowSpec): Record<string, unknown> {
  return {
    session_id: o.session,
    user_id: o.user,
    user_name: o.userName ?? null,
    joined_at: o.joined ?? null,
    stints: o.joined ? 1 : 0,
    queue_s: o.queue ?? null,
    active_s: o.active ?? null,
    acw_s: o.acw ?? null,
    offers: o.offers ?? 0,
    missed: o.missed ?? 0,
  };
}

export async function insertSessions(db: Knex | Knex.Transaction, specs: SessionSpec[]): Promise<void> {
  await db('core.sessions').insert(specs.map(sessionRow));
}

export async function insertOperatorRows(db: Knex | Knex.Transaction, specs: OperatorRowSpec[]): Promise<void> {
  await db('core.session_operators').insert(specs.map(operatorRow));
}

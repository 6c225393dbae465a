import type { Knex } from 'knex';
import type { RunCounts } from '../load/etl-runs.js';
import type { Logger } from '../log.js';
import type { MluviiClient } from '../mluvii/client.js';
import type { Tenant } from '../tenants/tenant.js';
import type { CampaignModeCache } from './campaign-mode-cache.js';

/**
 * The units of work a run, backfill or reprocess is made of. A unit is plain JSON (instants as
 * ISO strings), so the same request is run by the loop of a single process or carried by a job
 * to any worker (src/jobs/): one code path for each, whoever runs it.
 */

/** A reprocess position: (created_at as Postgres prints it, session id). */
export interface ReprocessKey {
  created: string;
  id: number;
}

export type UnitRequest =
  /** One window: listed, fetched and loaded in one transaction with its done mark. */
  | { kind: 'window'; from: string; to: string; force: boolean }
  /** Sessions of campaigns whose mode was unknown, rebuilt from raw once it is readable (M-RING). */
  | { kind: 'campaigns' }
  /** Incomplete sessions fetched again (M-DONE); those created from `fetchedFrom` on were just fetched by the run. */
  | { kind: 'refetch'; now: string; maxAgeMs: number; fetchedFrom?: string }
  /** Recordings and shared files of the sessions created in [from, to). */
  | { kind: 'files'; from: string; to: string }
  /** Stored raw sessions rebuilt, those after `after` up to and including `upTo` (open ends: all). */
  | { kind: 'reprocess'; from?: string; to?: string; force: boolean; after?: ReprocessKey; upTo?: ReprocessKey; span?: { from: string; to: string } };

export type UnitKind = UnitRequest['kind'];

/** The counters a unit adds to its run (etl.runs). */
export type UnitCounts = Partial<Pick<RunCounts, 'windowsDone' | 'windowsSkipped' | 'windowsFailed' | 'sessionsSeen' | 'sessionsChanged' | 'rejects' | 'apiRequests' | 'apiRateLimited' | 'apiRetries'>>;

/** What a unit reports back: its counters, and what went wrong (already recorded where it belongs). */
export interface UnitOutcome {
  kind: UnitKind;
  counts: UnitCounts;
  failures: string[];
  /** A window failed on the API: `certain` (it is down, or refused the credentials) or `possible` (5xx/429 until the retries ran out). */
  outage?: 'certain' | 'possible';
  credentialsRefused?: boolean;
  /** The unit was stopped (its signal) before it finished: what it had begun was rolled back. */
  interrupted?: boolean;
  /** Lines for the person who started the command (e.g. what a files pass did). */
  notes?: string[];
  /** A reprocess slice: the created_at range whose reporting summaries the command must refresh. */
  changedRange?: { from: string; to: string };
}

/** What a unit runs with: its tenant, the warehouse, the API, the run it belongs to. */
export interface UnitContext {
  tenant: Tenant;
  knex: Knex;
  /** The tenant's API client, created when a unit first needs one (reprocess never does). */
  client: () => MluviiClient;
  /** Campaign modes asked of the API at most once per run (in one process) or per job. */
  campaigns: CampaignModeCache;
  runId: number;
  logger: Logger;
  /** Aborted when the unit must stop: a signal, a lost lock, a worker shutting down. */
  signal?: AbortSignal;
  /** Sessions listed in a window so far, for the progress bar of a single process. */
  onSessions?: (n: number) => void;
  /** A reprocess batch was committed (its sessions), for the same progress bar. */
  onBatch?: (sessions: number) => void;
  /** 0 on the first attempt; a job retried after a worker died counts up. */
  attempt: number;
}

export const emptyOutcome = (kind: UnitKind): UnitOutcome => ({ kind, counts: {}, failures: [] });

/** Adds a unit's counters to its run's. */
export function addUnitCounts(into: RunCounts, counts: UnitCounts): void {
  for (const [key, value] of Object.entries(counts) as Array<[keyof UnitCounts, number | undefined]>) {
    if (value) into[key] += value;
  }
}

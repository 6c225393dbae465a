/**
 * What every request handler of the simulated API can reach: the switches and clock of this
 * server, its sessions, tokens, files and counters, and one way to answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Anonymizer } from '../anonymization.js';
import type { FileWorld } from '../files.js';
import type { Misbehaviour } from '../misbehaviour.js';
import type { TokenAuth } from './auth.js';
import type { HttpFaults } from './faults.js';
import type { RequestStats } from './request-stats.js';
import type { Send } from './response.js';
import type { SessionStore } from './session-store.js';
import type { WebhookRegistry } from '../webhooks/registry.js';

export interface ServerContext {
  readonly seed: number;
  /** Switchable at run time (`setMisbehaviour`): read it per request. */
  misbehaviour: Misbehaviour;
  /** The simulated clock, µs since the epoch. */
  nowUs(): number;
  readonly sessions: SessionStore;
  readonly auth: TokenAuth;
  readonly faults: HttpFaults;
  readonly stats: RequestStats;
  readonly files: FileWorld | undefined;
  /** Callbacks registered at `/api/v1/Webhooks`. */
  readonly webhooks: WebhookRegistry;
  /** Which sessions mluvii anonymized, and when (automatically after some days, or on request). */
  readonly anonymizer: Anonymizer;
  /** This server's own address (file download addresses point at it). */
  selfUrl: string;
  /** List calls so far: each `unstableOrder` shuffle is seeded by its call number. */
  listCalls: number;
  readonly send: Send;
  /** A pause that `stop()` cancels. */
  sleep(ms: number): Promise<void>;
}

/** One routed request. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The name requests are counted under. */
  endpoint: string;
  /** Path parameters by the names in the route's pattern. */
  params: Readonly<Record<string, string>>;
  /** The simulated clock when the handler was reached, µs. */
  now: number;
}

export type Handler = (ctx: ServerContext, call: Call) => void | Promise<void>;

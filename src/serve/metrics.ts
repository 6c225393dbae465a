/**
 * What `serve` exposes at /metrics (Prometheus text format, prom-client): the process's own
 * figures (default process metrics, its HTTP answers, webhook events received, accepted and
 * refused) and the warehouse's, read at each scrape through `readFigures` (runs and their outcome,
 * windows, sessions loaded, API requests, 429s and retries as etl.runs records them, the request
 * rate in force, the job queue's depth, the age of the newest loaded session).
 *
 * Names are in base units with `_total`, `_seconds`; labels are few and bounded: tenant (a known
 * tenant, or `unknown`), endpoint, status class, event type, reason, queue and state. Never a
 * session id, never anything of a request's path (which holds the secret).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The warehouse's figures, per tenant, as `readFigures` returns them; a field left out was not readable (its metric keeps no sample). */
export interface WarehouseFigures {
  runs?: Array<{ tenant: string; kind: string; status: string; runs: number; windowsDone: number; windowsFailed: number; windowsSkipped: number; sessionsLoaded: number; apiRequests: number; apiRateLimited: number; apiRetries: number }>;
  /** The request rate in force per tenant (what auto settled on, else MLUVII_RPS). */
  rps?: Array<{ tenant: string; rps: number }>;
  queue?: Array<{ queue: string; state: string; jobs: number }>;
  /** The newest loaded session's age per tenant, seconds. */
  newestSessionAge?: Array<{ tenant: string; seconds: number }>;
}

export type HttpEndpoint = 'webhook' | 'healthz' | 'readyz' | 'metrics' | 'other';
export type RefusedReason = 'not_found' | 'bad_request' | 'too_large' | 'unavailable';

export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'endpoint' | 'status_class'>;
  private readonly httpDuration: Histogram<'endpoint'>;
  private readonly received: Counter<'tenant'>;
  private readonly accepted: Counter<'tenant' | 'event_type'>;
  private readonly refused: Counter<'tenant' | 'reason'>;
  private readonly runs: Counter<'tenant' | 'kind' | 'outcome'>;
  private readonly windows: Counter<'tenant' | 'outcome'>;
  private readonly sessions: Counter<'tenant'>;
  private readonly apiRequests: Counter<'tenant'>;
  private readonly api429: Counter<'tenant'>;
  private readonly apiRetries: Counter<'tenant'>;
  private readonly rps: Gauge<'tenant'>;
  private readonly queueJobs: Gauge<'queue' | 'state'>;
  private readonly newestAge: Gauge<'tenant'>;
  private readonly databaseUp: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'mluvii_etl_http_requests_total', help: 'HTTP requests answered by serve, by endpoint and status class', labelNames: ['endpoint', 'status_class'], registers });
    this.httpDuration = new Histogram({
      name: 'mluvii_etl_http_request_duration_seconds',
      help: 'Time from a request\'s arrival to its answer, by endpoint',
      labelNames: ['endpoint'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.received = new Counter({ name: 'mluvii_etl_webhook_events_received_total', help: 'Webhook calls received (tenant "unknown" when the path names no known tenant)', labelNames: ['tenant'], registers });
    this.accepted = new Counter({ name: 'mluvii_etl_webhook_events_accepted_total', help: 'Webhook events kept in the job queue and answered 200', labelNames: ['tenant', 'event_type'], registers });
    this.refused = new Counter({ name: 'mluvii_etl_webhook_events_refused_total', help: 'Webhook calls refused: not_found (wrong tenant or secret), bad_request (no known event), too_large, unavailable (the queue could not keep it)', labelNames: ['tenant', 'reason'], registers });
    this.runs = new Counter({ name: 'mluvii_etl_runs_total', help: 'Runs recorded in etl.runs, by kind and outcome', labelNames: ['tenant', 'kind', 'outcome'], registers });
    this.windows = new Counter({ name: 'mluvii_etl_windows_total', help: 'Windows handled by runs: done, failed, skipped (already covered)', labelNames: ['tenant', 'outcome'], registers });
    this.sessions = new Counter({ name: 'mluvii_etl_sessions_loaded_total', help: 'Sessions loaded by runs (seen in their windows)', labelNames: ['tenant'], registers });
    this.apiRequests = new Counter({ name: 'mluvii_etl_api_requests_total', help: 'mluvii API requests sent by runs, retries included', labelNames: ['tenant'], registers });
    this.api429 = new Counter({ name: 'mluvii_etl_api_rate_limited_total', help: 'mluvii API answers HTTP 429 during runs', labelNames: ['tenant'], registers });
    this.apiRetries = new Counter({ name: 'mluvii_etl_api_retries_total', help: 'mluvii API attempts retried during runs (429, 408, 5xx, network errors, timeouts)', labelNames: ['tenant'], registers });
    this.rps = new Gauge({ name: 'mluvii_etl_api_rate_limit_requests_per_second', help: 'The mluvii API request rate in force: what MLUVII_RPS=auto last settled on, else MLUVII_RPS', labelNames: ['tenant'], registers });
    this.queueJobs = new Gauge({ name: 'mluvii_etl_queue_jobs', help: 'Jobs waiting (created, retry) or running (active) per queue', labelNames: ['queue', 'state'], registers });
    this.newestAge = new Gauge({ name: 'mluvii_etl_newest_session_age_seconds', help: 'Age of the newest loaded session (now minus its created)', labelNames: ['tenant'], registers });
    this.databaseUp = new Gauge({ name: 'mluvii_etl_database_up', help: '1 when the warehouse answered this scrape, 0 when it did not', registers });
  }

  /** One HTTP answer of serve. */
  answered(endpoint: HttpEndpoint, status: number, seconds: number): void {
    this.httpRequests.inc({ endpoint, status_class: statusClass(status) });
    this.httpDuration.observe({ endpoint }, seconds);
  }

  webhookReceived(tenant: string): void {
    this.received.inc({ tenant });
  }

  webhookAccepted(tenant: string, eventType: string): void {
    this.accepted.inc({ tenant, event_type: eventType });
  }

  webhookRefused(tenant: string, reason: RefusedReason): void {
    this.refused.inc({ tenant, reason });
  }

  /** Sets the warehouse's figures read for this scrape; `undefined`: the database did not answer. */
  setFigures(f: WarehouseFigures | undefined): void {
    this.databaseUp.set(f ? 1 : 0);
    if (!f) return;
    if (f.runs) {
      for (const c of [this.runs, this.windows, this.sessions, this.apiRequests, this.api429, this.apiRetries]) c.reset();
      for (const r of f.runs) {
        const tenant = r.tenant;
        this.runs.inc({ tenant, kind: r.kind, outcome: r.status }, r.runs);
        this.windows.inc({ tenant, outcome: 'done' }, r.windowsDone);
        this.windows.inc({ tenant, outcome: 'failed' }, r.windowsFailed);
        this.windows.inc({ tenant, outcome: 'skipped' }, r.windowsSkipped);
        this.sessions.inc({ tenant }, r.sessionsLoaded);
        this.apiRequests.inc({ tenant }, r.apiRequests);
        this.api429.inc({ tenant }, r.apiRateLimited);
        this.apiRetries.inc({ tenant }, r.apiRetries);
      }
    }
    if (f.rps) {
      this.rps.reset();
      for (const r of f.rps) this.rps.set({ tenant: r.tenant }, r.rps);
    }
    if (f.queue) {
      this.queueJobs.reset();
      for (const q of f.queue) this.queueJobs.set({ queue: q.queue, state: q.state }, q.jobs);
    }
    if (f.newestSessionAge) {
      this.newestAge.reset();
      for (const n of f.newestSessionAge) this.newestAge.set({ tenant: n.tenant }, n.seconds);
    }
  }

  /** The text format and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/**
 * The one error the mluvii client throws. It carries the request context as fields, so the
 * pipeline decides what to do (fail the window, give up on a campaign) without parsing messages,
 * and its message names the endpoint, the status and the attempts — never a token or a secret.
 */
export type MluviiApiErrorKind = 'auth' | 'http' | 'network' | 'timeout' | 'payload';

export interface MluviiApiErrorDetails {
  endpoint: string;
  status?: number;
  attempts: number;
  kind: MluviiApiErrorKind;
  cause?: unknown;
  outage?: MluviiOutage;
}

/**
 * Whether the failure says the API (or its token endpoint) cannot serve anyone now, so every
 * later window would fail the same way: `certain` (a hanging or failing token endpoint, no
 * connection, timeouts, a Retry-After longer than MLUVII_RETRY_AFTER_MAX, an HTML page instead of
 * JSON) or `possible` (5xx or 429 until the retries ran out: maybe only this range or item).
 */
export type MluviiOutage = 'certain' | 'possible';

export class MluviiApiError extends Error {
  override name = 'MluviiApiError';
  /** Method and path, e.g. `GET /api/v1/Sessions/7400123/routingHistory` (no query, no host). */
  endpoint: string;
  /** The last HTTP status, when there was a response. */
  status?: number;
  /** Requests sent for this call, including retries. */
  attempts: number;
  /**
   * auth: credentials refused or access denied (fix the settings, do not retry);
   * http: an unexpected status, or retries used up on 429/5xx; network / timeout: retries used up;
   * payload: the answer was not the JSON expected.
   */
  kind: MluviiApiErrorKind;
  /** Set when the failure says the API itself is unavailable (see MluviiOutage). */
  outage?: MluviiOutage;

  constructor(message: string, details: MluviiApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.endpoint = details.endpoint;
    if (details.outage !== undefined) this.outage = details.outage;
    if (details.status !== undefined) this.status = details.status;
    this.attempts = details.attempts;
    this.kind = details.kind;
  }
}

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
}

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

  constructor(message: string, details: MluviiApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.endpoint = details.endpoint;
    if (details.status !== undefined) this.status = details.status;
    this.attempts = details.attempts;
    this.kind = details.kind;
  }
}

import type { WebhookEvent } from './webhook-event.js';

/**
 * Where `serve` hands an accepted webhook event. `accept` resolves once the event is durably kept
 * (written to the job queue, or found already waiting there for the same session); only then is
 * the 200 written, so an event mluvii was told is received is never lost. A rejection means it
 * was not kept: serve answers 503 and mluvii retries.
 */
export interface WebhookSink {
  accept(tenant: string, event: WebhookEvent): Promise<void>;
}

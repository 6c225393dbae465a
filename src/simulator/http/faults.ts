/**
 * The misbehaviour switches that act on a request before any handler sees it: injected 5xx
 * answers and connection resets, slowness, the server-side rate limit and blanket throttling.
 * Resets, 5xx and slowness draw from one stream per server, in arrival order, so a client that
 * sends the same requests in the same order meets the same failures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Misbehaviour } from '../misbehaviour.js';
import { mixSeed, Rng } from '../random.js';
import type { RequestStats } from './request-stats.js';
import { SERVICE_UNAVAILABLE_PAGE, type Send } from './response.js';

const QUOTA_EXCEEDED = { message: 'API calls quota exceeded.' };

export class HttpFaults {
  private readonly chaos: Rng;
  /** Arrival times admitted by the rate limit within the last second. */
  private readonly admitted: number[] = [];
  private retryAfterTurn = 0;
  /** Calls answered by `throttle` since it was switched on. */
  private throttledCalls = 0;

  constructor(
    seed: number,
    private readonly send: Send,
    private readonly stats: RequestStats,
  ) {
    this.chaos = new Rng(mixSeed(seed, 0xc4a05));
  }

  /** `errorRate`: answers 500/502/503 or resets the connection; true when it did. */
  failed(m: Misbehaviour, req: IncomingMessage, res: ServerResponse, endpoint: string): boolean {
    const rate = m.errorRate ?? 0;
    if (!(rate > 0) || this.chaos.next() >= rate) return false;
    const kind = this.chaos.int(0, 3);
    if (kind === 0) {
      this.stats.count(endpoint, 'reset');
      req.socket.destroy();
    } else if (kind === 1) {
      this.send(res, endpoint, 500, { message: 'An error has occurred.' });
    } else if (kind === 2) {
      this.send(res, endpoint, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
    } else {
      this.send(res, endpoint, 503, SERVICE_UNAVAILABLE_PAGE, { 'content-type': 'text/html', 'retry-after': '1' });
    }
    return true;
  }

  /** `slowRate`: whether this request is answered `slowMs` late. */
  slow(m: Misbehaviour): boolean {
    return (m.slowRate ?? 0) > 0 && this.chaos.next() < (m.slowRate ?? 0);
  }

  /** `rateLimitRps` and `throttle`: answers 429 with a Retry-After; true when it did. */
  limited(m: Misbehaviour, res: ServerResponse, endpoint: string, arrival: number): boolean {
    const limit = m.rateLimitRps;
    if (limit !== undefined && limit > 0) {
      while (this.admitted.length && this.admitted[0] <= arrival - 1000) this.admitted.shift();
      if (this.admitted.length >= limit) {
        this.send(res, endpoint, 429, QUOTA_EXCEEDED, { 'retry-after': this.nextRetryAfter() });
        return true;
      }
      this.admitted.push(arrival);
    }
    const throttle = m.throttle;
    if (throttle && (throttle.times === undefined || this.throttledCalls < throttle.times)) {
      this.throttledCalls += 1;
      this.send(res, endpoint, 429, QUOTA_EXCEEDED, { 'retry-after': throttle.retryAfter });
      return true;
    }
    return false;
  }

  /** A new set of switches: `throttle.times` counts from here. */
  switched(): void {
    this.throttledCalls = 0;
  }

  /** Retry-After in all the forms a server may use: seconds (including 0) and an HTTP date. */
  private nextRetryAfter(): string {
    const forms = ['1', '0', new Date(Date.now() + 1500).toUTCString(), '2'];
    return forms[this.retryAfterTurn++ % forms.length];
  }
}

/** What the simulator counts, for tests and benchmarks that assert on how a client called it. */

export interface SimulatorStats {
  byEndpoint: Record<string, Record<string, number>>;
  total: number;
  /** ms timestamps (performance clock, sub-ms) of arrivals at API endpoints (not token or login). */
  arrivals: number[];
}

export class RequestStats {
  private s: SimulatorStats = { byEndpoint: {}, total: 0, arrivals: [] };
  /** API requests that asked for a session by id, by session; a request for n sessions counts 1/n for each. */
  private bySession = new Map<number, number>();

  /** Every request, answered or not. */
  received(): void {
    this.s.total += 1;
  }

  /** An arrival at an API endpoint, at `ms` (performance clock). */
  arrived(ms: number): void {
    this.s.arrivals.push(ms);
  }

  /** An arrival that asked for these sessions by id (a detail, a routing history, a list filtered by SessionId). */
  askedFor(ids: readonly number[]): void {
    for (const id of ids) this.bySession.set(id, (this.bySession.get(id) ?? 0) + 1 / ids.length);
  }

  /** The API requests spent on these sessions (see askedFor). */
  requestsFor(ids: Iterable<number>): number {
    let n = 0;
    for (const id of ids) n += this.bySession.get(id) ?? 0;
    return n;
  }

  /** An outcome of `endpoint`: an HTTP status, or `reset`, `hang`, `abandoned`. */
  count(endpoint: string, outcome: string): void {
    const e = (this.s.byEndpoint[endpoint] ??= {});
    e[outcome] = (e[outcome] ?? 0) + 1;
  }

  snapshot(): SimulatorStats {
    return { byEndpoint: structuredClone(this.s.byEndpoint), total: this.s.total, arrivals: [...this.s.arrivals] };
  }

  reset(): void {
    this.s = { byEndpoint: {}, total: 0, arrivals: [] };
    this.bySession.clear();
  }
}

/** What the simulator counts, for tests and benchmarks that assert on how a client called it. */

export interface SimulatorStats {
  byEndpoint: Record<string, Record<string, number>>;
  total: number;
  /** ms timestamps (performance clock, sub-ms) of arrivals at API endpoints (not token or login). */
  arrivals: number[];
}

export class RequestStats {
  private s: SimulatorStats = { byEndpoint: {}, total: 0, arrivals: [] };

  /** Every request, answered or not. */
  received(): void {
    this.s.total += 1;
  }

  /** An arrival at an API endpoint, at `ms` (performance clock). */
  arrived(ms: number): void {
    this.s.arrivals.push(ms);
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
  }
}

/** Counters of the query plugin, reported through kernel.collectStats. */
import type { StatsCollector } from '../../core';

export class QueryStats {
  success = 0;
  badRequest = 0;
  failed = 0;
  /** total latency of successful queries, ms */
  latencyTotalMs = 0;
  latencyMaxMs = 0;

  recordSuccess(ms: number): void {
    this.success++;
    this.latencyTotalMs += ms;
    if (ms > this.latencyMaxMs) this.latencyMaxMs = ms;
  }

  recordFailure(err: unknown): void {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) this.badRequest++;
    else this.failed++;
  }

  report(collector: StatsCollector): void {
    collector.record('http.query.success', this.success);
    collector.record('http.query.invalid_requests', this.badRequest);
    collector.record('http.query.exceptions', this.failed);
    collector.record('http.query.latency_avg_ms', this.success ? Math.round(this.latencyTotalMs / this.success) : 0);
    collector.record('http.query.latency_max_ms', Math.round(this.latencyMaxMs));
  }
}

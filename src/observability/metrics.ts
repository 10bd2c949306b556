import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withinDeadline } from '../common/deadline.js';

/**
 * Every metric the daemon exports, on a registry of its own (no global default registry, so two
 * instances in one test process do not collide). Label values are bounded: trigger, outcome,
 * entity, action, operation, node, route; never a user id or an email.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly syncRuns = new Counter({
    name: 'fps_sync_runs_total',
    help: 'Sync runs that ended, by trigger and outcome (succeeded, failed, quarantined, discarded).',
    labelNames: ['trigger', 'outcome', 'dry_run'] as const,
    registers: [this.registry],
  });

  readonly syncRunDuration = new Histogram({
    name: 'fps_sync_run_duration_seconds',
    help: 'Wall time of a sync run, from start to its last domain.',
    labelNames: ['trigger'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  readonly syncDomainDuration = new Histogram({
    name: 'fps_sync_domain_duration_seconds',
    help: 'Time to read, plan and apply one domain.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly objectsChanged = new Counter({
    name: 'fps_sync_objects_changed_total',
    help: 'Store objects changed by applied syncs, by entity and action.',
    labelNames: ['entity', 'action'] as const,
    registers: [this.registry],
  });

  readonly problems = new Counter({
    name: 'fps_sync_problems_total',
    help: 'Per-object conflicts, errors and warnings recorded by syncs, by kind and entity.',
    labelNames: ['kind', 'entity'] as const,
    registers: [this.registry],
  });

  readonly sourceRequests = new Counter({
    name: 'fps_source_requests_total',
    help: 'Reads from FusionPBX, by source, operation (query or REST action) and outcome.',
    labelNames: ['source', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly sourceLatency = new Histogram({
    name: 'fps_source_request_duration_seconds',
    help: 'Latency of reads from FusionPBX, by source and operation.',
    labelNames: ['source', 'operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly probeCalls = new Counter({
    name: 'fps_probe_calls_total',
    help: 'Active-call probe calls, by method and node, with outcome ok or failed.',
    labelNames: ['method', 'node', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly probeLatency = new Histogram({
    name: 'fps_probe_duration_seconds',
    help: 'Latency of one active-call probe call to one node.',
    labelNames: ['method', 'node'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'fps_http_requests_total',
    help: 'Admin API requests, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpLatency = new Histogram({
    name: 'fps_http_request_duration_seconds',
    help: 'Admin API latency, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly loginFailures = new Counter({
    name: 'fps_login_failures_total',
    help: 'Refused verifications of POST /v1/auth/verify: invalid (wrong password, unknown or disabled user) or throttled (too many failures). No email or address is a label.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly pollTicks = new Counter({
    name: 'fps_poll_ticks_total',
    help: 'Change-poll ticks, by outcome: idle (no table written), quiet (written, no domain changed), changed (a run was made), busy (another replica was polling), failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly pollDomainsChanged = new Counter({
    name: 'fps_poll_domains_changed_total',
    help: 'Domains the change poll found changed in FusionPBX (each then synced by a poll run).',
    registers: [this.registry],
  });

  readonly syncLag = new Histogram({
    name: 'fps_sync_lag_seconds',
    help: 'From a FusionPBX change (its insert_date/update_date; for a deletion, the poll tick before it was seen) to its commit in the store, for changes the poll found.',
    buckets: [0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Every outcome is a series from the start, so a rate over it is 0, never absent.
    for (const outcome of ['idle', 'quiet', 'changed', 'busy', 'failed']) this.pollTicks.inc({ outcome }, 0);
    // Standard names (process_*, nodejs_*), so the usual Node.js dashboards work as they are.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  readonly scrapeErrors = new Counter({
    name: 'fps_scrape_errors_total',
    help: 'Scrapes in which a gauge read from Postgres or Redis could not be read (it kept its last value); by gauge.',
    labelNames: ['gauge'] as const,
    registers: [this.registry],
  });

  /**
   * A gauge whose value is read when Prometheus scrapes (from Postgres or Redis, shared by every
   * replica). A read that fails or takes over 2 s keeps the last value and counts a scrape error:
   * the page never fails as a whole, so the counters stay visible exactly when a store is down.
   */
  scrapedGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<Array<{ labels: Record<L, string>; value: number }>>,
  ): void {
    const errors = this.scrapeErrors;
    errors.inc({ gauge: name }, 0);
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        try {
          const points = await withinDeadline(read(), 2_000, name);
          this.reset();
          for (const point of points) this.set(point.labels, point.value);
        } catch {
          errors.inc({ gauge: name });
        }
      },
    });
  }

  /** Times one call to FusionPBX and counts its outcome. */
  async observeSource<T>(source: string, operation: string, call: () => Promise<T>): Promise<T> {
    const end = this.sourceLatency.startTimer({ source, operation });
    try {
      const result = await call();
      this.sourceRequests.inc({ source, operation, outcome: 'ok' });
      return result;
    } catch (error) {
      this.sourceRequests.inc({ source, operation, outcome: 'error' });
      throw error;
    } finally {
      end();
    }
  }

  async observeProbe<T>(method: string, node: string, call: () => Promise<T>): Promise<T> {
    const end = this.probeLatency.startTimer({ method, node });
    try {
      const result = await call();
      this.probeCalls.inc({ method, node, outcome: 'ok' });
      return result;
    } catch (error) {
      this.probeCalls.inc({ method, node, outcome: 'failed' });
      throw error;
    } finally {
      end();
    }
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import type { AttemptOutcome, Storage } from '../storage/storage.ts';

/** Herald's Prometheus metrics, on a registry of its own (no global state). */
export class Metrics {
  readonly registry = new Registry();
  readonly #attempts = new Counter({ name: 'herald_attempts_total', help: 'Delivery attempts by outcome and error code', labelNames: ['status', 'error_code'], registers: [this.registry] });
  readonly #deliveries = new Counter({ name: 'herald_deliveries_finished_total', help: 'Deliveries that reached a terminal or retry state, by status', labelNames: ['status'], registers: [this.registry] });
  readonly #latency = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: 'Attempt duration, request start to body read',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #requests = new Counter({ name: 'herald_api_requests_total', help: 'API requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });

  constructor(storage: Storage, clock: Clock) {
    collectDefaultMetrics({ register: this.registry, prefix: 'herald_process_' });
    const depth = async () => storage.queueDepth(clock.now());
    new Gauge({
      name: 'herald_queue_depth',
      help: 'Deliveries waiting: due now, or scheduled later',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const { due, scheduled } = await depth();
        this.set({ state: 'due' }, due);
        this.set({ state: 'scheduled' }, scheduled);
      },
    });
    new Gauge({
      name: 'herald_oldest_due_delivery_age_seconds',
      help: 'How long the oldest due delivery has waited',
      registers: [this.registry],
      async collect() {
        const { oldestDueAt } = await depth();
        this.set(oldestDueAt === null ? 0 : Math.max(0, (clock.now() - oldestDueAt) / 1000));
      },
    });
  }

  /** Counts one recorded attempt. */
  recordAttempt(outcome: AttemptOutcome): void {
    this.#attempts.inc({ status: outcome.attempt.status, error_code: outcome.attempt.error?.code ?? '' });
    this.#deliveries.inc({ status: outcome.delivery.status });
    this.#latency.observe(outcome.attempt.durationMs / 1000);
  }

  recordRequest(method: string, route: string, status: number): void {
    this.#requests.inc({ method, route, status: String(status) });
  }
}

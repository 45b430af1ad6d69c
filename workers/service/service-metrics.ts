import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobBackend, QueueStatus } from '../queue/job-backend.ts';

/** Gauges read within this long of each other share one read of the queue. */
const SCRAPE_READ_MS = 500;

/** Request durations, in seconds: from a status read (~1 ms) to a long-poll (2 min). */
export const HTTP_DURATION_BUCKETS_S = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/**
 * The service's Prometheus metrics: its requests by route and status, the jobs submitted
 * through it by kind, and what the queue holds (read from the backend at each scrape), plus
 * Node's process metrics.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #durations: Histogram<'method' | 'route'>;
  readonly #submitted: Counter<'kind'>;

  constructor({ jobs }: { jobs: JobBackend }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'lagent_service_' });
    this.#requests = new Counter({
      name: 'lagent_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'lagent_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (a long-poll counts its wait)',
      labelNames: ['method', 'route'],
      buckets: HTTP_DURATION_BUCKETS_S,
      registers,
    });
    this.#submitted = new Counter({
      name: 'lagent_jobs_submitted_total',
      help: 'Jobs submitted through this service, by kind',
      labelNames: ['kind'],
      registers,
    });
    // One read of the queue per scrape, shared by the gauges below.
    let read: { at: number; status: Promise<QueueStatus | null> } | undefined;
    const queue = () => {
      if (!read || Date.now() - read.at > SCRAPE_READ_MS) {
        read = { at: Date.now(), status: jobs.queueStatus().catch(() => null) };
      }
      return read.status;
    };
    const gauge = (name: string, help: string, value: (status: QueueStatus | null) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(value(await queue()));
        },
      });
    gauge(
      'lagent_queue_waiting_jobs',
      'Jobs waiting for a worker (NaN: the queue did not answer)',
      (s) => s?.waiting ?? Number.NaN,
    );
    gauge('lagent_queue_active_jobs', 'Jobs running', (s) => s?.active ?? Number.NaN);
    gauge(
      'lagent_sessions',
      'Sandbox sessions the live workers hold',
      (s) => s?.sessions ?? Number.NaN,
    );
    gauge('lagent_workers', 'Live workers', (s) => s?.workers.length ?? Number.NaN);
  }

  jobSubmitted(kind: string): void {
    this.#submitted.inc({ kind });
  }

  /** Counts and times every answered request, by its route pattern (never the raw URL). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.#requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.#durations.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }
}

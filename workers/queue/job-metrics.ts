import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobStatus, ParsedJobRequest } from './job-schema.ts';

/** Job durations, in seconds: from an Echo call (~1 ms) to the longest timeout (10 min). */
export const JOB_DURATION_BUCKETS_S = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Prefix of Node's process metrics at a worker (the service uses `lagent_service_`). */
export const WORKER_PROCESS_METRICS_PREFIX = 'lagent_worker_';

/** A job's kind as a label: its request's kind, `unknown` for a job no worker could read. */
export type JobMetricsKind = ParsedJobRequest['kind'] | 'unknown';

export interface JobMetricsOptions {
  /** Sandbox sessions held now, read at each scrape. @default none: the gauge reads 0 */
  sessions?: () => number;
  /**
   * Also collect Node's process metrics, prefixed WORKER_PROCESS_METRICS_PREFIX. Off where
   * the process already exports its own (the embedded backend inside the service).
   * @default true
   */
  processMetrics?: boolean;
}

export interface JobObservation {
  kind: JobMetricsKind;
  /** The status the job ended with: its stored result's, not what its run returned. */
  status: JobStatus;
  /** From its envelope's `submittedAt` to the start of its run; none when it never ran. */
  queuedMs?: number | undefined;
  /** From the start of its run to its result; none when it never ran. */
  runMs?: number | undefined;
}

/** A run of a job, in ms since the epoch: when it was submitted and when its run started. */
export interface JobRunStart {
  kind: JobMetricsKind;
  /** Its envelope's `submittedAt` (the submitter's clock, maybe another host's). */
  submittedAt: number;
  startedAt: number;
}

/** Seconds from milliseconds; a negative span (clocks of two hosts disagree) counts as 0. */
function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}

/**
 * A worker's job metrics, in a registry of its own (never prom-client's global one), so
 * several workers or backends in one process stay apart and the service can merge them:
 * jobs ended by kind and status, run and queue-wait histograms, jobs running, sessions held.
 * Label values are enums (kinds and statuses), so the series stay bounded.
 */
export class JobMetrics {
  readonly registry = new Registry();
  readonly #ended: Counter<'kind' | 'status'>;
  readonly #runs: Histogram<'kind' | 'status'>;
  readonly #waits: Histogram<'kind'>;
  readonly #running: Gauge<'kind'>;

  constructor({ sessions, processMetrics = true }: JobMetricsOptions = {}) {
    const registers = [this.registry];
    if (processMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: WORKER_PROCESS_METRICS_PREFIX });
    }
    this.#ended = new Counter({
      name: 'lagent_jobs_total',
      help: 'Jobs ended, by kind and final status (user-code errors are completed)',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.#runs = new Histogram({
      name: 'lagent_job_run_seconds',
      help: 'Time from the start of a job run to its result, by kind and final status',
      labelNames: ['kind', 'status'],
      buckets: JOB_DURATION_BUCKETS_S,
      registers,
    });
    this.#waits = new Histogram({
      name: 'lagent_job_queue_wait_seconds',
      help: "Time from a job's submit to the start of its run (clock skew counts as 0)",
      labelNames: ['kind'],
      buckets: JOB_DURATION_BUCKETS_S,
      registers,
    });
    this.#running = new Gauge({
      name: 'lagent_jobs_running',
      help: 'Job runs in progress, by kind',
      labelNames: ['kind'],
      registers,
    });
    new Gauge({
      name: 'lagent_worker_sessions',
      help: 'Sandbox sessions this worker holds',
      registers,
      collect() {
        this.set(sessions?.() ?? 0);
      },
    });
  }

  /**
   * A job's run starts: it counts as running until runEnded (call that once the run returns,
   * whatever its outcome). Returns the run, for observeRun.
   */
  runStarted({
    kind,
    submittedAt,
    startedAt = Date.now(),
  }: Omit<JobRunStart, 'startedAt'> & { startedAt?: number }): JobRunStart {
    this.#running.inc({ kind });
    return { kind, submittedAt, startedAt };
  }

  runEnded({ kind }: { kind: JobMetricsKind }): void {
    this.#running.dec({ kind });
  }

  /** A job ended: counted once, with its run's durations when it ran. */
  observe({ kind, status, queuedMs, runMs }: JobObservation): void {
    this.#ended.inc({ kind, status });
    if (queuedMs !== undefined && Number.isFinite(queuedMs)) {
      this.#waits.observe({ kind }, seconds(queuedMs));
    }
    if (runMs !== undefined && Number.isFinite(runMs)) {
      this.#runs.observe({ kind, status }, seconds(runMs));
    }
  }

  /** A job that ran ended with `status`, its result at `endedAt` (ms since the epoch). */
  observeRun({
    kind,
    submittedAt,
    startedAt,
    status,
    endedAt = Date.now(),
  }: JobRunStart & { status: JobStatus; endedAt?: number }): void {
    this.observe({ kind, status, queuedMs: startedAt - submittedAt, runMs: endedAt - startedAt });
  }
}

import type { FailedJob } from './job-backend.ts';
import type { JobRunner } from './job-runner.ts';
import type { JobEnvelope, JobEvent, JobResult } from './job-schema.ts';

export const DEFAULT_EMBEDDED_CONCURRENCY = 4;
export const EMBEDDED_WORKER_ID = 'embedded';

export interface EmbeddedJobBackendOptions {
  runner: JobRunner;
  /** Jobs run at once. @default DEFAULT_EMBEDDED_CONCURRENCY */
  concurrency?: number;
  /** Jobs waiting at most. @default 10_000 */
  maxQueueLength?: number;
  /** Tries per job after a retryable platform failure. @default 3 */
  attempts?: number;
  /** @default a random scope */
  sessionScope?: string;
  /** @default DEFAULT_IDEMPOTENCY_WINDOW_MS */
  idempotencyWindowMs?: number;
  /** @default DEFAULT_RESULT_TTL_MS */
  resultTtlMs?: number;
}

/** A job of the embedded backend, from its submit to the end of its idempotency window. */
export interface EmbeddedJob {
  id: string;
  envelope: JobEnvelope;
  events: JobEvent[];
  listeners: Set<() => void>;
  controller: AbortController;
  state: 'waiting' | 'running' | 'done';
  result?: JobResult;
  attempts: number;
  failure?: FailedJob;
  /** How long its result is kept once it ended. */
  keepMs: number;
}

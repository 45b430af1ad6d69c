import type { ActionApi, ToolDescription } from '../../core/index.ts';
import type { BatchResult, SubmitBatchOptions } from './job-batch.ts';
import type { JobEvent, JobRequest, JobResult } from './job-schema.ts';

export interface SubmitOptions {
  request: JobRequest;
  /**
   * Submitting an id again does not run the job again: it answers with the first run's
   * result, for `idempotencyWindowMs` (letters, digits, `_`, `-`, `.`; at most 200).
   * @default a random UUID
   */
  jobId?: string;
  /**
   * The job must start within this long after it is submitted; a job a worker takes later
   * ends `expired` without running (its caller has most likely given up).
   * @default DEFAULT_JOB_DEADLINE_MS
   */
  deadlineMs?: number;
  /**
   * Counts the job into this batch of the HTTP service (its dashboard's progress and pass
   * rate; `GET /v1/batches`). The Redis and embedded backends keep no batches and ignore it.
   */
  batchId?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  jobId: string;
  /** Longest wait; then the job is cancelled and the result says it timed out. @default DEFAULT_WAIT_TIMEOUT_MS */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface AwaitResultOptions {
  jobId: string;
  /** Longest wait. Reaching it changes nothing: the job goes on, and the answer is null. */
  waitMs: number;
  /** Ends the wait (AbortedError), never the job. */
  signal?: AbortSignal;
}

export interface CancelOptions {
  jobId: string;
  /**
   * What the job's result says: `cancelled`, or `timed-out` for a caller whose own wait
   * reached its deadline (as `wait` does; the HTTP client waits by long-polls).
   * @default 'cancelled'
   */
  reason?: 'cancelled' | 'timed-out';
  /** With `timed-out`: how long the caller waited, for the result's message. */
  waitedMs?: number;
}

export interface FailedJob {
  jobId: string;
  reason: string;
  attempts: number;
  failedAt: number | null;
  queue: string;
}

/** A tool a worker serves, as it describes itself to submitters. */
export interface ToolDescriptor {
  name: string;
  isToolkit: boolean;
  description: ToolDescription;
  apis: ActionApi[];
}

/** Where a job is, read without changing anything. */
export interface JobInfo {
  jobId: string;
  /** `ended` once it has its result. */
  state: 'queued' | 'running' | 'ended';
  /** The worker running it, or whose queue holds it; null for the shared queue. */
  workerId: string | null;
  result?: JobResult;
}

/** A live worker, as its last heartbeat described it. */
export interface WorkerInfo {
  workerId: string;
  health: Record<string, unknown>;
}

/** What the queue holds right now. */
export interface QueueStatus {
  queue: string;
  workers: WorkerInfo[];
  /** Jobs waiting for a worker (in the shared queue and the workers' own queues). */
  waiting: number;
  /** Jobs running. */
  active: number;
  /** Sandbox sessions the live workers hold. */
  sessions: number;
}

/** Longest `wait` by default: the job's own time plus time spent queued. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;
/** How long a submitted job may wait for a worker to start it, by default. */
export const DEFAULT_JOB_DEADLINE_MS = DEFAULT_WAIT_TIMEOUT_MS;
/** How long a result is kept for a job whose id the submitter chose (its idempotency window). */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** How long a result is kept for a job with a random id. */
export const DEFAULT_RESULT_TTL_MS = 3_600_000;

/**
 * Where jobs go: Redis with BullMQ and worker processes, or the embedded in-process runner.
 * Both keep the same promises: one result per job id, failures as data, bounded waits.
 */
export interface JobBackend {
  readonly mode: 'redis' | 'embedded' | 'http';
  /** Session ids are scoped by this: the same id under two scopes is two sessions. */
  readonly sessionScope: string;
  submit(options: SubmitOptions): Promise<string>;
  /**
   * Submits many jobs at once and yields each result as it ends (submitBatch in
   * job-batch.ts): a batch of fresh runs for an evaluation, spread over every worker.
   */
  submitBatch(options: SubmitBatchOptions): AsyncGenerator<BatchResult>;
  wait(options: WaitOptions): Promise<JobResult>;
  /**
   * The job's result once it has one, waiting at most `waitMs`; null when it has not ended
   * by then. Unlike `wait`, it never cancels or changes the job (a long-poll, a status page).
   * JobNotFoundError for an unknown id.
   */
  awaitResult(options: AwaitResultOptions): Promise<JobResult | null>;
  /** The job's events from its start, ending with `end`. */
  events(options: { jobId: string; signal?: AbortSignal }): AsyncIterable<JobEvent>;
  /** Stops a queued or running job; false when it had already ended (or never existed). */
  cancel(options: CancelOptions): Promise<boolean>;
  /** Where a job is and its result once it has one; JobNotFoundError for an unknown id. */
  getJob(options: { jobId: string }): Promise<JobInfo>;
  /** The live workers and what the queue holds. */
  queueStatus(): Promise<QueueStatus>;
  listFailed(options?: { limit?: number }): Promise<FailedJob[]>;
  toolDescriptors(): Promise<ToolDescriptor[]>;
  close(): Promise<void>;
}

/** Letters, digits, `_`, `-`, `.`; at most 200 (and not only digits: see isValidJobId). */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

/** True for an id BullMQ and Redis keys can carry (no `:`, not an integer). */
export function isValidJobId(jobId: string): boolean {
  return JOB_ID_PATTERN.test(jobId) && !/^\d+$/.test(jobId);
}

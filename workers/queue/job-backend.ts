import type { ActionApi, ToolDescription } from '../../core/index.ts';
import type { JobEvent, JobRequest, JobResult } from './job-schema.ts';

export interface SubmitOptions {
  request: JobRequest;
  /** Submitting an id again does not run the job again. @default a random UUID */
  jobId?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  jobId: string;
  /** Longest wait; then the job is cancelled and the result says it timed out. @default DEFAULT_WAIT_TIMEOUT_MS */
  timeoutMs?: number;
  signal?: AbortSignal;
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

/** Longest `wait` by default: the job's own time plus time spent queued. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

/**
 * Where jobs go: Redis with BullMQ and worker processes, or the embedded in-process runner.
 * Both keep the same promises: one result per job id, failures as data, bounded waits.
 */
export interface JobBackend {
  readonly mode: 'redis' | 'embedded';
  submit(options: SubmitOptions): Promise<string>;
  wait(options: WaitOptions): Promise<JobResult>;
  /** The job's events from its start, ending with `end`. */
  events(options: { jobId: string; signal?: AbortSignal }): AsyncIterable<JobEvent>;
  /** Stops a queued or running job; false when it had already ended (or never existed). */
  cancel(options: { jobId: string }): Promise<boolean>;
  listFailed(options?: { limit?: number }): Promise<FailedJob[]>;
  toolDescriptors(): Promise<ToolDescriptor[]>;
  close(): Promise<void>;
}

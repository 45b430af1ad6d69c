import { AbortedError, InvalidArgumentError, throwIfAborted } from '../../core/index.ts';
import type { JobBackend, SubmitOptions } from './job-backend.ts';
import { DEFAULT_WAIT_TIMEOUT_MS } from './job-backend.ts';
import type { JobRequest, JobResult } from './job-schema.ts';

/** Submissions in flight at once while a batch is queued. */
export const DEFAULT_BATCH_SUBMIT_CONCURRENCY = 32;

export interface SubmitBatchOptions {
  /** The jobs, in order; each result names its index here. */
  requests: readonly JobRequest[];
  /** Each job must start within this long (SubmitOptions.deadlineMs). */
  deadlineMs?: number;
  /** Longest wait for each job, from when the batch is submitted. @default DEFAULT_WAIT_TIMEOUT_MS */
  timeoutMs?: number;
  /** Stops submitting and waiting, and cancels the batch's jobs that have not ended. */
  signal?: AbortSignal;
}

export interface BatchResult {
  /** Its place in `requests`. */
  index: number;
  jobId: string;
  result: JobResult;
}

/**
 * Submits every request (each its own job, so the batch spreads over all workers), then
 * yields each result as it ends, in the order they end. Every job ends with a result (a
 * timeout or a cancel is a result too); an abort cancels the jobs still running and throws.
 */
export async function* submitBatch({
  jobs,
  requests,
  deadlineMs,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  signal,
}: SubmitBatchOptions & { jobs: JobBackend }): AsyncGenerator<BatchResult> {
  if (!Array.isArray(requests))
    throw new InvalidArgumentError({ message: 'requests must be an array of job requests' });
  throwIfAborted(signal, 'Submitting the batch');
  const jobIds: string[] = new Array<string>(requests.length);
  let next = 0;
  const submitOne = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      const options: SubmitOptions = { request: requests[index] as JobRequest };
      if (deadlineMs !== undefined) options.deadlineMs = deadlineMs;
      if (signal) options.signal = signal;
      jobIds[index] = await jobs.submit(options);
    }
  };
  try {
    await Promise.all(
      Array.from(
        { length: Math.min(DEFAULT_BATCH_SUBMIT_CONCURRENCY, requests.length) },
        submitOne,
      ),
    );
  } catch (error) {
    await cancelAll(jobs, jobIds.filter(Boolean));
    throw error;
  }
  // Results as they end: a queue the waits push to, drained by this generator.
  const ended: BatchResult[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const pending = new Set<number>(requests.keys());
  for (const [index, jobId] of jobIds.entries()) {
    jobs
      .wait({ jobId, timeoutMs, ...(signal ? { signal } : {}) })
      .then(
        (result) => ended.push({ index, jobId, result }),
        (error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => {
        pending.delete(index);
        wake?.();
      });
  }
  try {
    while (pending.size > 0 || ended.length > 0) {
      if (failure !== undefined) throw failure;
      const item = ended.shift();
      if (item) {
        yield item;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    if (pending.size > 0)
      await cancelAll(
        jobs,
        [...pending].map((index) => jobIds[index] as string),
      );
  }
  if (signal?.aborted) throw new AbortedError({ message: 'The batch was aborted' });
}

async function cancelAll(jobs: JobBackend, jobIds: string[]): Promise<void> {
  await Promise.all(jobIds.map((jobId) => jobs.cancel({ jobId }).catch(() => false)));
}

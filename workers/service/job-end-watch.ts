import { JobNotFoundError } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import type { JobResult } from '../queue/job-schema.ts';

/** How long one wait for a watched job's end lasts before it is renewed. */
const WATCH_WAIT_MS = 60_000;
/** Pause before watching again after the backend failed to answer. */
const WATCH_RETRY_MS = 1_000;

/**
 * Resolves with the job's result once it has ended; null when its record is gone (expired,
 * or never there) or the watch was stopped. A backend that fails to answer is asked again:
 * the service outlives a Redis outage, and so do its watches.
 */
export async function watchJobEnd({
  jobs,
  jobId,
  signal,
}: {
  jobs: JobBackend;
  jobId: string;
  signal: AbortSignal;
}): Promise<JobResult | null> {
  while (!signal.aborted) {
    try {
      const result = await jobs.awaitResult({ jobId, waitMs: WATCH_WAIT_MS, signal });
      if (result) return result;
    } catch (error) {
      if (error instanceof JobNotFoundError || signal.aborted) return null;
      await new Promise((resolve) => setTimeout(resolve, WATCH_RETRY_MS).unref());
    }
  }
  return null;
}

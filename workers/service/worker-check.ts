import type { JobBackend } from '../queue/job-backend.ts';
import { requireServingWorker } from '../queue/serving-workers.ts';

/** How long a seen serving worker is trusted before submits ask the queue again. */
export const DEFAULT_WORKER_CHECK_MS = 1_000;

/**
 * Before a submit: NoWorkerError (503) when no worker serves the queue, so a job does not
 * wait for nobody until its deadline. A worker seen within `cacheMs` is not asked for again
 * (reading the queue's status on every submit would double its cost); concurrent submits
 * share one check.
 */
export function createWorkerCheck({
  jobs,
  cacheMs = DEFAULT_WORKER_CHECK_MS,
}: {
  jobs: JobBackend;
  cacheMs?: number;
}): () => Promise<void> {
  let seenAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  return async () => {
    if (jobs.mode !== 'redis' || Date.now() - seenAt < cacheMs) return;
    pending ??= requireServingWorker(jobs)
      .then(() => {
        seenAt = Date.now();
      })
      .finally(() => {
        pending = undefined;
      });
    await pending;
  };
}

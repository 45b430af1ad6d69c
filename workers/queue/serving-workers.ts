import { NoWorkerError } from '../../core/index.ts';
import type { JobBackend, QueueStatus, WorkerInfo } from './job-backend.ts';

/** Workers that take new jobs: a draining one is on its way out. */
export function servingWorkers(status: QueueStatus): WorkerInfo[] {
  return status.workers.filter(({ health }) => health['status'] !== 'draining');
}

/**
 * Throws NoWorkerError when no live worker serves the queue, instead of letting a job wait
 * for one until its deadline. The embedded backend is its own worker.
 */
export async function requireServingWorker(jobs: JobBackend): Promise<void> {
  if (jobs.mode !== 'redis') return;
  const status = await jobs.queueStatus();
  if (servingWorkers(status).length === 0) throw new NoWorkerError({ queue: status.queue });
}

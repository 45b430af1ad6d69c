import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeParseJson } from '../../core/index.ts';
import type { FailedJob, QueueStatus, WorkerInfo } from './job-backend.ts';
import type { RedisKeys } from './redis-keys.ts';

/** The live workers (as their heartbeats describe them) and the jobs waiting and running. */
export async function readQueueStatus({
  redis,
  keys,
  queue,
  queueName,
}: {
  redis: Redis;
  keys: RedisKeys;
  queue: (name: string) => Queue;
  queueName: string;
}): Promise<QueueStatus> {
  const registered = await redis.smembers(keys.workers);
  const beats = registered.length > 0 ? await redis.mget(registered.map(keys.worker)) : [];
  const workers: WorkerInfo[] = registered.flatMap((workerId, index) => {
    const beat = beats[index];
    if (beat === null || beat === undefined) return [];
    const parsed = safeParseJson(beat);
    const health =
      parsed.success && typeof parsed.value === 'object' && parsed.value !== null
        ? (parsed.value as Record<string, unknown>)
        : {};
    return [{ workerId, health }];
  });
  const names = [keys.sharedQueue, ...workers.map(({ workerId }) => keys.workerQueue(workerId))];
  const counts = await Promise.all(
    names.map((name) => queue(name).getJobCounts('waiting', 'prioritized', 'delayed', 'active')),
  );
  let waiting = 0;
  let active = 0;
  for (const count of counts) {
    waiting += (count['waiting'] ?? 0) + (count['prioritized'] ?? 0) + (count['delayed'] ?? 0);
    active += count['active'] ?? 0;
  }
  const sessions = workers.reduce(
    (sum, { health }) => sum + (typeof health['sessions'] === 'number' ? health['sessions'] : 0),
    0,
  );
  return { queue: queueName, workers, waiting, active, sessions };
}

/** Jobs that failed in BullMQ's view, in the shared queue and the live workers' queues. */
export async function readFailedJobs({
  redis,
  keys,
  queue,
  limit,
}: {
  redis: Redis;
  keys: RedisKeys;
  queue: (name: string) => Queue;
  limit: number;
}): Promise<FailedJob[]> {
  const workers = await redis.smembers(keys.workers);
  const names = [keys.sharedQueue, ...workers.map((worker) => keys.workerQueue(worker))];
  const failed = await Promise.all(
    names.map(async (name) =>
      (await queue(name).getFailed(0, limit - 1)).map((job) => ({
        jobId: job.id ?? '',
        reason: job.failedReason,
        attempts: job.attemptsMade,
        failedAt: job.finishedOn ?? null,
        queue: name,
      })),
    ),
  );
  return failed.flat().slice(0, limit);
}

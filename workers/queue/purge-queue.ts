import { createRedis, DEFAULT_REDIS_URL } from './redis-keys.ts';

export interface PurgeQueueOptions {
  queueName: string;
  /** @default process.env.REDIS_URL, else DEFAULT_REDIS_URL */
  redisUrl?: string;
}

/**
 * Deletes everything a queue family keeps in Redis: the BullMQ data of its shared queue and
 * of its workers' queues, and its job states, event streams, results, sessions and worker
 * registrations. For queues that are done with (a test's, a demo's); never run it while
 * workers or submitters still use the queue. Returns the number of keys deleted.
 */
export async function purgeQueue({ queueName, redisUrl }: PurgeQueueOptions): Promise<number> {
  const redis = createRedis(redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
  let deleted = 0;
  try {
    // Glob characters in a name would widen the match to other queues.
    const name = queueName.replace(/[*?[\]\\]/g, '\\$&');
    for (const pattern of [`bull:${name}:*`, `bull:${name}-w-*`, `lagent:${name}:*`]) {
      for await (const keys of redis.scanStream({ match: pattern, count: 1_000 })) {
        const batch = keys as string[];
        if (batch.length > 0) deleted += await redis.unlink(...batch);
      }
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

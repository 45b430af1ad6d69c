// purgeQueue removes what a queue family left in Redis, and nothing of other queues.
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { createRedis } from '../../../workers/queue/redis-keys.ts';
import { startTestJobs } from '../../support/job-backend-fixture.ts';
import { redisUrl } from '../../support/services.ts';

async function keysOf(queueName: string): Promise<string[]> {
  const redis = createRedis(redisUrl().href);
  try {
    const found: string[] = [];
    for (const pattern of [`bull:${queueName}*`, `lagent:${queueName}:*`]) {
      for await (const keys of redis.scanStream({ match: pattern, count: 1_000 }))
        found.push(...(keys as string[]));
    }
    return found;
  } finally {
    redis.disconnect();
  }
}

test('a finished queue leaves no keys behind; a queue with a longer name keeps its own', async () => {
  const setup = await startTestJobs({ mode: 'redis' });
  const neighbour = `${setup.queueName}x`;
  const redis = createRedis(redisUrl().href);
  try {
    await redis.set(`lagent:${neighbour}:state:${randomUUID()}`, '{}', 'EX', 60);
    const jobId = await setup.jobs.submit({
      request: { kind: 'run-code', code: 'print(1)', sessionId: 's' },
    });
    expect((await setup.jobs.wait({ jobId })).status).toBe('completed');
    expect((await keysOf(setup.queueName)).length).toBeGreaterThan(0);
  } finally {
    await setup.close(); // purges the queue
  }
  try {
    expect(await keysOf(setup.queueName)).toEqual([]);
    expect(await keysOf(neighbour)).toHaveLength(1);
  } finally {
    await purgeQueue({ queueName: neighbour });
    redis.disconnect();
  }
});

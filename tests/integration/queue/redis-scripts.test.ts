// The job-state scripts on real Redis: a retry never erases a job's result.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Redis } from 'ioredis';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { createRedis, redisKeys } from '../../../workers/queue/redis-keys.ts';
import { beginJob, publishEnd, releaseJob } from '../../../workers/queue/redis-scripts.ts';
import { outcomeResult } from '../../../workers/queue/job-outcomes.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';

const queueName = `test-${randomUUID().slice(0, 8)}`;
const keys = redisKeys(queueName);
let redis: Redis;

beforeAll(async () => {
  await requireRedis();
  redis = createRedis(redisUrl().href);
});
afterAll(async () => {
  redis?.disconnect();
  await purgeQueue({ queueName });
});

const start = (jobId: string, workerId: string) =>
  beginJob(redis, keys, { jobId, workerId, sessionKey: undefined, sessionTtlMs: 60_000 });

test('a running job is given back for a retry by its own worker only', async () => {
  const jobId = randomUUID();
  expect(await start(jobId, 'w1')).toEqual({ kind: 'run' });
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w2' })).toBe(false);
  expect(await start(jobId, 'w2')).toEqual({ kind: 'running-elsewhere', worker: 'w1' });
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w1' })).toBe(true);
  expect(await start(jobId, 'w2')).toEqual({ kind: 'run' });
});

test('a job that ended meanwhile keeps its result: no retry, and no second run', async () => {
  const jobId = randomUUID();
  expect(await start(jobId, 'w1')).toEqual({ kind: 'run' });
  const request = { kind: 'run-code' as const, code: 'x', language: 'python' as const };
  expect(
    await publishEnd(redis, keys, jobId, outcomeResult({ jobId, request, status: 'timed-out' })),
  ).toBe(true);
  expect(await releaseJob(redis, keys, { jobId, workerId: 'w1' })).toBe(false);
  expect(await start(jobId, 'w1')).toEqual({ kind: 'done' });
});

// When Redis is away, slow or full, a submitter fails fast with a typed error instead of
// hanging: connecting, submitting and each request have bounded waits (QueueUnavailableError
// says why), a submit that timed out is safe to repeat with its id, and a worker refuses a
// Redis that may evict the queue's keys.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { ActionExecutor, QueueUnavailableError, raceDeadline } from '../../core/index.ts';
import { JobRunner } from '../../workers/queue/job-runner.ts';
import { RedisJobClient } from '../../workers/queue/redis-job-client.ts';
import { ToolWorker } from '../../workers/queue/tool-worker.ts';
import { tool as echoTool } from '../fixtures/tools/echo-tool.ts';
import type { FaultCluster } from './support/fault-cluster.ts';
import { startFaultCluster } from './support/fault-cluster.ts';
import { sparePort, startRedisServer } from './support/redis-server.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

// The timeouts these clients are given, and the bound each failure must come within: the
// timeout plus ample room for a loaded machine.
const CONNECT_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 2_000;
const FAILURE_BOUND_MS = 30_000;
const ANSWER_BOUND_MS = 60_000;

/** The error `promise` rejects with, which must come within FAILURE_BOUND_MS. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  const ending = await raceDeadline({ promise, timeoutMs: FAILURE_BOUND_MS });
  if (ending.kind === 'error') return ending.error;
  throw new Error(`expected a failure within ${FAILURE_BOUND_MS} ms, got: ${ending.kind}`);
}

const echo = { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'x' } } } as const;

describe('a submitter fails fast when Redis is away', () => {
  let cluster: FaultCluster;
  const jobIds: string[] = [];

  beforeAll(async () => {
    cluster = await startFaultCluster();
    await cluster.startWorker({ viaProxy: false });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const connect = (redisUrl: string) =>
    RedisJobClient.connect({
      redisUrl,
      queueName: cluster.queueName,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });

  test('connecting to a port nobody listens on: QueueUnavailableError (unreachable)', async () => {
    const error = await failure(connect(`redis://127.0.0.1:${await sparePort()}`));
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as QueueUnavailableError).reason).toBe('unreachable');
    expect((error as Error).message).toMatch(/did not answer within 2000 ms/);
  });

  test('connecting through a connection that never answers: the same, in bounded time', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: cluster.redis.port } });
    try {
      proxy.stall();
      const error = await failure(connect(proxy.url));
      expect(error).toBeInstanceOf(QueueUnavailableError);
    } finally {
      await proxy.close();
    }
  });

  test('submitting while the connection is cut: QueueUnavailableError in bounded time', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: cluster.redis.port } });
    const client = await connect(proxy.url);
    try {
      proxy.cut();
      // Sent before the client saw the reset, it times out; once the client knows, at once.
      const first = await failure(client.submit({ request: echo }));
      expect(first).toBeInstanceOf(QueueUnavailableError);
      const error = await failure(client.submit({ request: echo }));
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as QueueUnavailableError).reason).toBe('unreachable');
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  test('submitting through a stalled connection times out; submitting the same id again runs it once', async () => {
    const { runs } = cluster;
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: cluster.redis.port } });
    const client = await connect(proxy.url);
    try {
      const jobId = `stalled-${randomUUID().slice(0, 8)}`;
      jobIds.push(jobId);
      const request = { kind: 'run-code', code: runs.code('stalled', 'print("ran")') } as const;
      proxy.stall();
      const error = await failure(client.submit({ request, jobId }));
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as QueueUnavailableError).reason).toBe('timeout');
      proxy.heal();
      // The first submit may land late, after the heal: the id makes the retry safe.
      expect(await client.submit({ request, jobId })).toBe(jobId);
      const result = await client.wait({ jobId, timeoutMs: ANSWER_BOUND_MS });
      expect(result.status).toBe('completed');
      expect(await runs.count('stalled')).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  test('every call has one answer, nothing is stranded, no container is left', async () => {
    await cluster.assertClean(jobIds);
  });
});

describe('a Redis that cannot keep the queue', () => {
  test('out of memory: a submit fails with QueueUnavailableError (out-of-memory), not a raw Redis error', async () => {
    const redis = await startRedisServer({ maxmemoryMb: 4, maxmemoryPolicy: 'noeviction' });
    const client = await RedisJobClient.connect({ redisUrl: redis.url, queueName: 'full' });
    try {
      // Fill it up to its limit, with ever smaller values, until even a small write fails.
      let filler = 0;
      for (const size of [256 * 1024, 16 * 1024, 1024, 64]) {
        for (;;) {
          const refused = await redis
            .command('SET', `filler:${(filler += 1)}`, 'x'.repeat(size))
            .then(() => false)
            .catch(() => true);
          if (refused) break;
        }
      }
      const error = await failure(client.submit({ request: echo }));
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as QueueUnavailableError).reason).toBe('out-of-memory');
    } finally {
      await client.close();
      await redis.stop();
    }
  });

  test('an eviction policy: a worker refuses to start (unless told to allow it)', async () => {
    const redis = await startRedisServer({ maxmemoryMb: 64, maxmemoryPolicy: 'allkeys-lru' });
    const runner = () => new JobRunner({ executor: new ActionExecutor({ actions: [echoTool] }) });
    const logger = pino({ level: 'silent' });
    try {
      const error = await failure(
        ToolWorker.start({ runner: runner(), redisUrl: redis.url, queueName: 'evict', logger }),
      );
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as QueueUnavailableError).reason).toBe('misconfigured');
      expect((error as Error).message).toMatch(/allkeys-lru/);
      const worker = await ToolWorker.start({
        runner: runner(),
        redisUrl: redis.url,
        queueName: 'evict',
        logger,
        allowEviction: true,
      });
      await worker.close({ deadlineMs: 10_000 });
    } finally {
      await redis.stop();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import type { Action } from '../../core/index.ts';
import type { JobBackend } from '../../workers/queue/job-backend.ts';
import { EmbeddedJobBackend } from '../../workers/queue/embedded-job-backend.ts';
import type { RedisJobClientOptions } from '../../workers/queue/redis-job-client.ts';
import { RedisJobClient } from '../../workers/queue/redis-job-client.ts';
import { ToolWorker } from '../../workers/queue/tool-worker.ts';
import type { WorkerRunnerOptions } from '../../workers/queue/worker-runner.ts';
import { createWorkerRunner } from '../../workers/queue/worker-runner.ts';
import { purgeQueue } from '../../workers/queue/purge-queue.ts';
import { connectJobs } from '../../workers/queue/job-client.ts';
import { startService } from '../../workers/service/service.ts';
import { hashApiKey } from '../../workers/service/tenants.ts';
import { redisUrl, requireDocker, requireRedis } from './services.ts';

export const BACKENDS = ['redis', 'embedded'] as const;
export type BackendMode = (typeof BACKENDS)[number];
/** The job API's own suite also runs over HTTP: the client in front of a service (embedded). */
export const JOB_API_BACKENDS = [...BACKENDS, 'http'] as const;
export type JobApiMode = (typeof JOB_API_BACKENDS)[number];

/** The key the `http` mode's client sends, of the service's one tenant. */
const HTTP_TEST_KEY = 'job-api-suite-key-0123456789';

export interface TestJobs {
  jobs: JobBackend;
  worker: ToolWorker | undefined;
  queueName: string;
  /**
   * Resolves once the backend is done with a job for good: no run, retry or backoff of it
   * is left (Redis: its BullMQ job is gone from the queue; embedded: nothing runs). Tests
   * wait on this instead of sleeping to show that something did not happen.
   */
  settled(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The job API on one backend: Redis (a unique queue, an in-process ToolWorker with short
 * heartbeats) or embedded. Both run jobs on a real Docker sandbox runner. Never skips:
 * a missing Redis or Docker fails the test.
 */
export async function startTestJobs({
  mode,
  extraTools = [],
  client = {},
  concurrency = 2,
  withWorker = true,
  runner: runnerOptions = {},
}: {
  mode: JobApiMode;
  /** More of the worker runner's options (e.g. `mcpServers`). */
  runner?: Omit<WorkerRunnerOptions, 'sandbox' | 'extraTools'>;
  extraTools?: readonly Action[];
  client?: Omit<RedisJobClientOptions, 'queueName'>;
  concurrency?: number;
  withWorker?: boolean;
}): Promise<TestJobs> {
  await requireDocker();
  if (mode === 'http') {
    // An HTTP client of a service (with an API key: ids go through a tenant's scope) in
    // front of the embedded backend.
    const inner = await startTestJobs({
      mode: 'embedded',
      extraTools,
      client,
      concurrency,
      runner: runnerOptions,
    });
    try {
      const service = await startService({
        jobs: inner.jobs,
        host: '127.0.0.1',
        port: 0,
        tenants: { tenants: [{ id: 'suite', keys: [hashApiKey(HTTP_TEST_KEY)] }] },
      });
      const jobs = await connectJobs({ url: service.url, apiKey: HTTP_TEST_KEY });
      return {
        ...inner,
        jobs,
        close: async () => {
          try {
            await jobs.close();
            await service.close();
          } finally {
            await inner.close();
          }
        },
      };
    } catch (error) {
      await inner.close();
      throw error;
    }
  }
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const runner = await createWorkerRunner({
    sandbox: { namePrefix: queueName, poolSize: 1, handleExitSignals: false, removeOrphans: false },
    extraTools,
    ...runnerOptions,
  });
  if (mode === 'embedded') {
    const jobs = new EmbeddedJobBackend({
      runner,
      concurrency,
      ...(client.maxQueueLength === undefined ? {} : { maxQueueLength: client.maxQueueLength }),
    });
    return {
      jobs,
      worker: undefined,
      queueName,
      settled: () => jobs.drained(),
      close: () => jobs.close(),
    };
  }
  await requireRedis();
  const worker = withWorker
    ? await ToolWorker.start({
        runner,
        queueName,
        concurrency,
        leaseMs: 10_000,
      })
    : undefined;
  const jobs = await RedisJobClient.connect({
    queueName,
    livenessIntervalMs: 500,
    backoffMs: 50,
    ...client,
  });
  return {
    jobs,
    worker,
    queueName,
    settled: async (jobId) => {
      const queue = new Queue(queueName, { connection: { url: redisUrl().href } });
      try {
        await expect
          .poll(() => queue.getJobState(jobId), { timeout: 60_000, interval: 50 })
          .toMatch(/^(unknown|completed|failed)$/);
      } finally {
        await queue.close();
      }
    },
    close: async () => {
      try {
        await jobs.close();
        if (worker) await worker.close({ deadlineMs: 5_000 });
        else await runner.close();
      } finally {
        await purgeQueue({ queueName });
      }
    },
  };
}

import { HttpJobClient } from '../service/http-job-client.ts';
import type { JobBackend } from './job-backend.ts';
import type { EmbeddedJobBackendOptions } from './embedded-job-backend.ts';
import { EmbeddedJobBackend } from './embedded-job-backend.ts';
import type { RedisJobClientOptions } from './redis-job-client.ts';
import { RedisJobClient } from './redis-job-client.ts';
import type { WorkerRunnerOptions } from './worker-runner.ts';
import { createWorkerRunner } from './worker-runner.ts';

export interface ConnectJobsOptions extends Omit<RedisJobClientOptions, 'redisUrl'> {
  /**
   * A `lagent serve` service to submit to over HTTP (then the Redis and embedded options
   * are the service's business, not this client's).
   */
  url?: string | undefined;
  /** With `url`: sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** Redis to submit to; `null` forces the embedded backend. @default process.env.REDIS_URL */
  redisUrl?: string | null;
  /** Embedded backend only: how its in-process runner is built. */
  runner?: WorkerRunnerOptions;
  /** Embedded backend only. */
  concurrency?: EmbeddedJobBackendOptions['concurrency'];
}

/**
 * The job API: over HTTP when a service `url` is given; on Redis when a Redis URL is
 * configured; otherwise embedded in this process (jobs run here, on the same runner a
 * worker uses), so a first run needs no Redis.
 */
export async function connectJobs({
  url,
  apiKey,
  redisUrl = process.env['REDIS_URL'],
  runner,
  concurrency,
  ...options
}: ConnectJobsOptions = {}): Promise<JobBackend> {
  if (url !== undefined) {
    return new HttpJobClient({
      url,
      apiKey,
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.requestTimeoutMs }),
    });
  }
  if (redisUrl) return RedisJobClient.connect({ ...options, redisUrl });
  return new EmbeddedJobBackend({
    runner: await createWorkerRunner(runner),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(options.maxQueueLength === undefined ? {} : { maxQueueLength: options.maxQueueLength }),
    ...(options.sessionScope === undefined ? {} : { sessionScope: options.sessionScope }),
    ...(options.idempotencyWindowMs === undefined
      ? {}
      : { idempotencyWindowMs: options.idempotencyWindowMs }),
    ...(options.resultTtlMs === undefined ? {} : { resultTtlMs: options.resultTtlMs }),
  });
}

import type { JobBackend } from '../queue/job-backend.ts';
import { connectJobs } from '../queue/job-client.ts';
import { RedisJobClient } from '../queue/redis-job-client.ts';
import type { QueueFlags } from './cli-options.ts';
import { SERVICE_API_KEY_ENV, SERVICE_URL_ENV } from './cli-options.ts';

/** Session ids of the CLI share one scope: `--session s` is the same session in every run. */
export const CLI_SESSION_SCOPE = 'cli';

function clientOptions({ queue, connectTimeoutMs }: QueueFlags, signal: AbortSignal) {
  return {
    sessionScope: CLI_SESSION_SCOPE,
    signal,
    ...(queue === undefined ? {} : { queueName: queue }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
  };
}

/**
 * The job API for run-code and submit: a service over HTTP when its URL is given or set
 * (LAGENT_URL), else Redis when a Redis URL is, else embedded.
 */
export async function openJobs({
  flags,
  signal,
}: {
  flags: QueueFlags;
  signal: AbortSignal;
}): Promise<JobBackend> {
  const url = flags.url ?? process.env[SERVICE_URL_ENV];
  if (url) {
    return connectJobs({
      url,
      apiKey: flags.apiKey ?? process.env[SERVICE_API_KEY_ENV],
    });
  }
  return connectJobs({
    ...clientOptions(flags, signal),
    ...(flags.redisUrl === undefined ? {} : { redisUrl: flags.redisUrl }),
  });
}

/**
 * A Redis client, for commands about the queue and jobs already in it (status, cancel,
 * result): an embedded backend would know nothing of them.
 */
export async function openRedisJobs({
  flags,
  signal,
}: {
  flags: QueueFlags;
  signal: AbortSignal;
}): Promise<RedisJobClient> {
  return RedisJobClient.connect({
    ...clientOptions(flags, signal),
    ...(flags.redisUrl === undefined ? {} : { redisUrl: flags.redisUrl }),
  });
}

export { requireServingWorker, servingWorkers } from '../queue/serving-workers.ts';

import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { JobBackend } from '../queue/job-backend.ts';
import { EmbeddedJobBackend } from '../queue/embedded-job-backend.ts';
import type { JobRunner } from '../queue/job-runner.ts';
import { purgeQueue } from '../queue/purge-queue.ts';
import { RedisJobClient } from '../queue/redis-job-client.ts';
import { ToolWorker } from '../queue/tool-worker.ts';

export interface DemoQueue extends AsyncDisposable {
  jobs: JobBackend;
}

/**
 * Where a demo's tool calls go: BullMQ on Redis when REDIS_URL is set (a private queue, with
 * a worker in this process; `lagent worker` runs the same elsewhere), else the embedded queue.
 */
export async function startDemoQueue({
  runner,
  env,
  write,
}: {
  runner: JobRunner;
  env: NodeJS.ProcessEnv;
  write: (line: string) => void;
}): Promise<DemoQueue> {
  const redisUrl = env['REDIS_URL'];
  if (!redisUrl) {
    const jobs = new EmbeddedJobBackend({ runner });
    write('No REDIS_URL: tool calls run on the embedded queue in this process.');
    return { jobs, [Symbol.asyncDispose]: () => jobs.close() };
  }
  const queueName = `demo-${randomUUID().slice(0, 8)}`;
  const worker = await ToolWorker.start({
    runner,
    redisUrl,
    queueName,
    logger: pino({ level: 'silent' }),
  });
  const jobs = await RedisJobClient.connect({ redisUrl, queueName });
  write(`Tool calls go through BullMQ on ${redisUrl} (queue ${queueName}) to worker ${worker.id}.`);
  return {
    jobs,
    [Symbol.asyncDispose]: async () => {
      await jobs.close();
      await worker.close();
      // The demo's private queue is not needed after it.
      await purgeQueue({ redisUrl, queueName });
    },
  };
}

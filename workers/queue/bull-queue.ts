import type { ConnectionOptions, Job } from 'bullmq';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A BullMQ Queue on a shared connection. A Queue re-emits its connection's errors as
 * 'error' events, and BullMQ prints those itself when nobody listens: one line per
 * reconnect attempt while Redis is away. Every request's own promise already carries its
 * failure, so the events are dropped here.
 */
export function openQueue(name: string, connection: Redis): Queue {
  const queue = new Queue(name, { connection });
  queue.on('error', () => undefined);
  return queue;
}

/** Connection errors are seen through commands; the event is only noise (and unhandled). */
export function quiet<T extends Redis>(redis: T): T {
  redis.on('error', () => undefined);
  return redis;
}

/**
 * A BullMQ Worker whose job lock is the worker's lease (see DEFAULT_LEASE_MS): a job is
 * redelivered exactly when its worker is declared dead. Its errors are logged, one line per
 * message a minute: while Redis is away BullMQ reports every failed poll.
 */
export function openWorker({
  queueName,
  process,
  connection,
  concurrency,
  leaseMs,
  maxStartedAttempts,
  logger,
}: {
  queueName: string;
  process: (
    job: Job,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ) => Promise<unknown>;
  connection: ConnectionOptions;
  concurrency: number;
  leaseMs: number;
  maxStartedAttempts: number;
  logger: Logger;
}): Worker {
  const worker = new Worker(queueName, process, {
    connection,
    concurrency,
    lockDuration: leaseMs,
    stalledInterval: leaseMs,
    maxStalledCount: 1,
    maxStartedAttempts,
    autorun: false,
  });
  worker.on('failed', (job, error) => {
    logger.warn({ jobId: job?.id, error: error.message }, 'job failed');
  });
  const lastLogged = new Map<string, number>();
  worker.on('error', (error) => {
    const at = lastLogged.get(error.message) ?? 0;
    if (Date.now() - at < 60_000) return;
    lastLogged.set(error.message, Date.now());
    logger.error({ queue: queueName, error: error.message }, 'queue error');
  });
  return worker;
}

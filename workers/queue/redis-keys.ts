import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

export const DEFAULT_QUEUE_NAME = 'lagent';

/** The queue family to use: LAGENT_QUEUE when set (like REDIS_URL), else DEFAULT_QUEUE_NAME. */
export function queueNameFromEnv(): string {
  return process.env['LAGENT_QUEUE'] || DEFAULT_QUEUE_NAME;
}
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The Redis keys of one queue family (a shared queue plus one queue per worker). */
export function redisKeys(queueName: string) {
  const prefix = `lagent:${queueName}`;
  return {
    sharedQueue: queueName,
    workerQueue: (workerId: string) => `${queueName}-w-${workerId}`,
    /** Heartbeat of a live worker (expires when it stops refreshing it). */
    worker: (workerId: string) => `${prefix}:worker:${workerId}`,
    workers: `${prefix}:workers`,
    /** The worker that owns a session. */
    session: (sessionKey: string) => `${prefix}:session:${sessionKey}`,
    /** A job's run state: queued or running on a worker, or done with its result. */
    state: (jobId: string) => `${prefix}:state:${jobId}`,
    events: (jobId: string) => `${prefix}:events:${jobId}`,
    results: `${prefix}:results`,
    cancel: `${prefix}:cancel`,
    tools: `${prefix}:tools`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** ioredis options for a URL, as BullMQ wants them (no per-request retry limit). */
export function redisOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptions(url), ...extra });
}

/** A job's state record. */
export type JobState =
  | { status: 'queued'; worker: string }
  | { status: 'running'; worker: string }
  | { status: 'done'; result: unknown };

/** BullMQ's connection options for a URL (its blocking connections need no retry limit). */
export function bullConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null };
}

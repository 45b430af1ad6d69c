import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { installRedisDesyncGuard } from './redis-desync-guard.ts';

installRedisDesyncGuard();

export const DEFAULT_QUEUE_NAME = 'lagent';

/** The queue family to use: LAGENT_QUEUE when set (like REDIS_URL), else DEFAULT_QUEUE_NAME. */
export function queueNameFromEnv(): string {
  return process.env['LAGENT_QUEUE'] || DEFAULT_QUEUE_NAME;
}
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** A session unused this long is forgotten by the queue (its owner's heartbeat keeps it). */
export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;

/** The Redis keys of one queue family (a shared queue plus one queue per worker). */
export function redisKeys(queueName: string) {
  const prefix = `lagent:${queueName}`;
  return {
    prefix,
    sharedQueue: queueName,
    workerQueue: (workerId: string) => `${queueName}-w-${workerId}`,
    /** Heartbeat of a live worker: its lease, which expires when it stops refreshing it. */
    worker: (workerId: string) => `${prefix}:worker:${workerId}`,
    /** Prefix of the heartbeat keys, for scripts that look up a worker by id. */
    workerPrefix: `${prefix}:worker:`,
    /** Every worker that registered and was not reaped yet. */
    workers: `${prefix}:workers`,
    /** Held by the worker that clears a dead worker's queue. */
    reaping: (workerId: string) => `${prefix}:reaping:${workerId}`,
    /** A session: its owner, epoch, the last sequence number given and the next to run. */
    session: (sessionKey: string) => `${prefix}:session:${sessionKey}`,
    /** Sequence numbers of a session's calls that ended before their turn. */
    sessionEnded: (sessionKey: string) => `${prefix}:session-ended:${sessionKey}`,
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

/** BullMQ's connection options for a URL (its blocking connections need no retry limit). */
export function bullConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null };
}

import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import {
  AbortedError,
  onAbort,
  PlatformError,
  QueueUnavailableError,
  raceDeadline,
} from '../../core/index.ts';
import { createRedis } from './redis-keys.ts';

/** Longest wait for Redis to answer a new connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Longest wait for one request of a submitter (a submit, a cancel, a read). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Where a URL points, without its password (for messages and logs). */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'an invalid Redis URL';
  }
}

/**
 * A submitter's connection: it fails fast instead of queueing commands while Redis is away
 * (no offline queue), and is ready when this resolves. Throws QueueUnavailableError when
 * Redis does not answer within `connectTimeoutMs`.
 */
export async function connectRedis({
  url,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  options = {},
  signal,
}: {
  url: string;
  connectTimeoutMs?: number;
  options?: RedisOptions;
  signal?: AbortSignal | undefined;
}): Promise<Redis> {
  const redis = createRedis(url, {
    enableOfflineQueue: false,
    // A request cut off by a reset fails (its caller gets an error and may repeat it by
    // id) rather than being sent again, unseen, after a reconnect.
    autoResendUnfulfilledCommands: false,
    connectTimeout: connectTimeoutMs,
    lazyConnect: true,
    ...options,
  });
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  redis.on('error', onError);
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  redis.connect().catch(onError);
  const removeAbort = onAbort(signal, () => redis.disconnect());
  const ending = await raceDeadline({ promise: ready, timeoutMs: connectTimeoutMs, signal });
  removeAbort();
  if (ending.kind === 'value') return redis;
  redis.disconnect();
  throw new QueueUnavailableError({
    reason: 'unreachable',
    message: `Redis at ${describeRedisUrl(url)} did not answer within ${connectTimeoutMs} ms${
      lastError instanceof Error ? ` (${lastError.message})` : ''
    }: is it running, and is REDIS_URL right?`,
    cause: lastError,
  });
}

/**
 * The platform's error for a failed Redis request: typed, saying what to do. Platform
 * errors pass through; Redis's own replies and connection errors become
 * QueueUnavailableError.
 */
export function queueError(error: unknown, what: string): Error {
  if (PlatformError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('OOM')) {
    return new QueueUnavailableError({
      reason: 'out-of-memory',
      message: `${what} failed: Redis is out of memory (maxmemory reached); free memory or raise maxmemory. (${message})`,
      cause: error,
    });
  }
  if (message.startsWith('READONLY') || message.startsWith('MISCONF')) {
    return new QueueUnavailableError({
      reason: 'misconfigured',
      message: `${what} failed: Redis refuses writes (${message})`,
      cause: error,
    });
  }
  return new QueueUnavailableError({
    reason: 'unreachable',
    message: `${what} failed: Redis is not reachable (${message})`,
    cause: error,
  });
}

/**
 * Fails at once when the connection is down (ioredis is reconnecting): BullMQ's calls on a
 * Queue first wait for the connection to be ready, so without this a submit made while
 * Redis is away would hang until its deadline instead of failing fast.
 */
export function requireReady(redis: Redis, what: string): void {
  if (redis.status === 'ready') return;
  throw new QueueUnavailableError({
    reason: 'unreachable',
    message: `${what} failed: Redis is not reachable (the connection is ${redis.status})`,
  });
}

/**
 * Runs one Redis request with a deadline: its value, or a QueueUnavailableError (an
 * AbortedError when `signal` aborts). A request that timed out may still take effect later,
 * when the connection recovers: callers make their requests safe to repeat.
 */
export async function redisRequest<T>({
  what,
  promise,
  timeoutMs,
  signal,
}: {
  what: string;
  promise: Promise<T>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}): Promise<T> {
  const ending = await raceDeadline({ promise, timeoutMs, signal });
  switch (ending.kind) {
    case 'value':
      return ending.value;
    case 'error':
      throw queueError(ending.error, what);
    case 'abort':
      throw new AbortedError({ message: `${what} was aborted`, cause: ending.reason });
    case 'timeout':
      throw new QueueUnavailableError({
        reason: 'timeout',
        message: `${what} got no answer from Redis within ${timeoutMs} ms (a stalled or partitioned connection?)`,
      });
  }
}

/** Redis's eviction policy (BullMQ needs 'noeviction'); null when Redis will not say. */
export async function evictionPolicy(redis: Redis): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1] !== undefined) return reply[1];
  } catch {
    // CONFIG may be disabled (managed Redis): INFO says it too.
  }
  const info = await redis.info('memory').catch(() => '');
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null;
}

/**
 * Refuses a Redis that may evict the queue's keys (BullMQ requires noeviction), or warns
 * when told to allow it.
 */
export async function requireNoEviction({
  redis,
  allow,
  logger,
}: {
  redis: Redis;
  allow: boolean;
  logger: Logger;
}): Promise<void> {
  const policy = await evictionPolicy(redis);
  if (policy === null || policy === 'noeviction') return;
  const message = `Redis's maxmemory-policy is ${policy}: Redis may evict the queue's keys and lose jobs (BullMQ requires noeviction; run CONFIG SET maxmemory-policy noeviction)`;
  if (!allow) throw new QueueUnavailableError({ reason: 'misconfigured', message });
  logger.warn({ policy }, message);
}

/** Logs a connection's outages: one line when it is lost, one when it is back. */
export function logOutages({
  connection,
  name,
  logger,
}: {
  connection: Redis;
  name: string;
  logger: Logger;
}): void {
  let down = false;
  connection.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ connection: name, error: error.message }, 'lost the connection to Redis');
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, 'connected to Redis again');
  });
}

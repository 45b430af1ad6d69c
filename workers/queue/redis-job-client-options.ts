import type { RequestLimits } from '../../core/index.ts';
import { resolveRequestLimits } from '../../core/index.ts';
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, DEFAULT_RESULT_TTL_MS } from './job-backend.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './redis-connection.ts';

/** Jobs waiting in one queue at most; one more is a QueueFullError. */
export const DEFAULT_MAX_QUEUE_LENGTH = 10_000;
/** Tries per job when a worker hits a platform failure before the user's code runs. */
export const DEFAULT_JOB_ATTEMPTS = 3;
export const DEFAULT_RETRY_BACKOFF_MS = 500;
/** How often waits check that the job's worker is still alive and its record still there. */
export const DEFAULT_LIVENESS_INTERVAL_MS = 1_000;

export interface RedisJobClientOptions {
  /** @default process.env.REDIS_URL, else DEFAULT_REDIS_URL */
  redisUrl?: string;
  /** @default process.env.LAGENT_QUEUE, else DEFAULT_QUEUE_NAME */
  queueName?: string;
  /**
   * Session ids are scoped: the same `sessionId` from two clients are two sessions, unless
   * they share a scope. @default a random scope per client
   */
  sessionScope?: string;
  /** @default DEFAULT_MAX_QUEUE_LENGTH */
  maxQueueLength?: number;
  /** @default DEFAULT_JOB_ATTEMPTS */
  attempts?: number;
  /** @default DEFAULT_RETRY_BACKOFF_MS */
  backoffMs?: number;
  /** @default DEFAULT_LIVENESS_INTERVAL_MS */
  livenessIntervalMs?: number;
  /** Longest wait for Redis to accept the connection. @default DEFAULT_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /** Longest wait for one request (submit, cancel, a read). @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** Results of jobs with a caller-chosen id are kept (and the id not run again) this long. @default DEFAULT_IDEMPOTENCY_WINDOW_MS */
  idempotencyWindowMs?: number;
  /** Results of jobs with a random id are kept this long. @default DEFAULT_RESULT_TTL_MS */
  resultTtlMs?: number;
  /**
   * What a request may hold (code and argument sizes, argument depth, the longest
   * `timeoutMs`): one over them is refused at submit (RequestLimitError) and nothing is
   * written to Redis. Set them like the workers' (JobRunner `limits`), which check again.
   * @default DEFAULT_REQUEST_LIMITS
   */
  limits?: Partial<RequestLimits>;
  /** Aborts connecting. */
  signal?: AbortSignal;
}

export type ResolvedRedisJobClientOptions = Required<
  Omit<RedisJobClientOptions, 'redisUrl' | 'queueName' | 'sessionScope' | 'signal' | 'limits'>
> & { limits: Readonly<RequestLimits> };

/** Every option with its default. */
export function resolveRedisJobClientOptions(
  options: RedisJobClientOptions,
): ResolvedRedisJobClientOptions {
  return {
    maxQueueLength: options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH,
    attempts: options.attempts ?? DEFAULT_JOB_ATTEMPTS,
    backoffMs: options.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS,
    livenessIntervalMs: options.livenessIntervalMs ?? DEFAULT_LIVENESS_INTERVAL_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    idempotencyWindowMs: options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS,
    resultTtlMs: options.resultTtlMs ?? DEFAULT_RESULT_TTL_MS,
    limits: Object.freeze(resolveRequestLimits(options.limits)),
  };
}

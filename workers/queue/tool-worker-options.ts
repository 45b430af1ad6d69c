import type { Logger } from 'pino';
import type { JobRunner } from './job-runner.ts';
import { DEFAULT_SESSION_TTL_MS } from './redis-keys.ts';

export const DEFAULT_WORKER_CONCURRENCY = 4;
/**
 * A worker's lease: it renews its heartbeat every fifth of this; one silent this long is
 * dead to everyone, its sessions lost. The same span is BullMQ's job lock, so a job is
 * redelivered exactly when its worker is declared dead, never while it is still alive.
 */
export const DEFAULT_LEASE_MS = 15_000;
/** How many times BullMQ may hand out one job (redeliveries and turn retries included). */
export const DEFAULT_MAX_STARTED_ATTEMPTS = 20;
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 30_000;
/** How long Redis may take to answer the worker's first connection. */
export const DEFAULT_WORKER_CONNECT_TIMEOUT_MS = 10_000;
export { DEFAULT_SESSION_TTL_MS };

export interface ToolWorkerOptions {
  /** Runs the jobs: its executor's actions are the tools this worker serves. */
  runner: JobRunner;
  /** @default process.env.REDIS_URL, else DEFAULT_REDIS_URL */
  redisUrl?: string;
  /** @default process.env.LAGENT_QUEUE, else DEFAULT_QUEUE_NAME */
  queueName?: string;
  /** Jobs at once from the shared queue, and as many from this worker's own queue. @default DEFAULT_WORKER_CONCURRENCY */
  concurrency?: number;
  /** @default `<host>-<pid>-<random>` */
  workerId?: string;
  /** @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** @default DEFAULT_SESSION_TTL_MS */
  sessionTtlMs?: number;
  /** @default DEFAULT_MAX_STARTED_ATTEMPTS */
  maxStartedAttempts?: number;
  /** All of close() takes at most this long; running jobs are cancelled in time for it. @default DEFAULT_SHUTDOWN_DEADLINE_MS */
  shutdownDeadlineMs?: number;
  /** @default DEFAULT_WORKER_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /**
   * Start even when Redis may evict keys (`maxmemory-policy` other than noeviction), which
   * can lose jobs: BullMQ requires noeviction. @default false
   */
  allowEviction?: boolean;
  /** @default a pino logger named 'lagent-worker' */
  logger?: Logger;
  /** Serve GET /health on this port (0 picks one). @default no health server */
  healthPort?: number;
  /** Close gracefully on SIGTERM / SIGINT, then exit. @default false */
  handleExitSignals?: boolean;
}

import { PlatformError } from './platform-error.ts';

/** The queue holds as many jobs as it may: submit again later. */
export class QueueFullError extends PlatformError {
  readonly pending: number;

  constructor({ queue, pending, limit }: { queue: string; pending: number; limit: number }) {
    super('QUEUE_FULL', {
      message: `Queue ${queue} is full: ${pending} jobs waiting (limit ${limit}); submit again later`,
      isRetryable: true,
    });
    this.pending = pending;
  }
}

/** Why the queue's store (Redis) could not take a request. */
export type QueueUnavailableReason =
  /** Not reachable: refused, reset, or no answer within the connect timeout. */
  | 'unreachable'
  /** Connected, but a request got no answer within its timeout (a stall, a partition). */
  | 'timeout'
  /** Redis is at its `maxmemory` and refuses writes. */
  | 'out-of-memory'
  /** Redis is set up in a way the queue cannot work with (an eviction policy, read-only). */
  | 'misconfigured';

/**
 * The queue's Redis could not take a request in time. For a submit the job may or may not
 * have been queued: submitting again with the same job id is safe (an id runs once).
 */
export class QueueUnavailableError extends PlatformError {
  readonly reason: QueueUnavailableReason;

  constructor({
    message,
    reason,
    cause,
  }: {
    message: string;
    reason: QueueUnavailableReason;
    cause?: unknown;
  }) {
    super('QUEUE_UNAVAILABLE', { message, cause, isRetryable: reason !== 'misconfigured' });
    this.reason = reason;
  }
}

/** No live worker serves the queue, so a job submitted to it would wait with nobody to run it. */
export class NoWorkerError extends PlatformError {
  readonly queue: string;

  constructor({ queue }: { queue: string }) {
    super('NO_WORKER', {
      message: `No worker is serving queue ${queue}: start one with \`lagent worker --queue ${queue}\``,
      isRetryable: true,
    });
    this.queue = queue;
  }
}

/** No job with this id is known (it never existed, or its record expired). */
export class JobNotFoundError extends PlatformError {
  readonly jobId: string;

  constructor({ jobId }: { jobId: string }) {
    super('JOB_NOT_FOUND', { message: `No job ${jobId} is known (never submitted, or expired)` });
    this.jobId = jobId;
  }
}

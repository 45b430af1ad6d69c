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

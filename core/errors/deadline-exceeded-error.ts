import { PlatformError } from './platform-error.ts';

/** A platform operation (not the user's code: that is data) did not finish in its time. */
export class DeadlineExceededError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('DEADLINE_EXCEEDED', { message, cause, isRetryable: true });
  }
}

import { PlatformError } from './platform-error.ts';

/** The caller's AbortSignal fired. */
export class AbortedError extends PlatformError {
  constructor({
    message = 'The operation was aborted',
    cause,
  }: { message?: string; cause?: unknown } = {}) {
    super('ABORTED', { message, cause });
  }
}

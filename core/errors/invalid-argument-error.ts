import { PlatformError } from './platform-error.ts';

/** A platform API was called with options it cannot work with. */
export class InvalidArgumentError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('INVALID_ARGUMENT', { message, cause });
  }
}

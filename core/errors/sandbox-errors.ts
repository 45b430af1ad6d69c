import { PlatformError } from './platform-error.ts';

/** The sandbox engine cannot give a working sandbox (engine unreachable, image missing, start failed). */
export class SandboxUnavailableError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('SANDBOX_UNAVAILABLE', { message, cause, isRetryable: true });
  }
}

/** A configured cap (sessions, pool) is reached. */
export class SandboxLimitError extends PlatformError {
  constructor({ message }: { message: string }) {
    super('SANDBOX_LIMIT_REACHED', { message, isRetryable: true });
  }
}

/** The sandbox was closed (by its owner, or reclaimed after its idle TTL) and cannot be used. */
export class SandboxClosedError extends PlatformError {
  constructor({ message }: { message: string }) {
    super('SANDBOX_CLOSED', { message });
  }
}

/** The sandbox broke in a way it could not recover from by itself. */
export class SandboxCrashedError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('SANDBOX_CRASHED', { message, cause, isRetryable: true });
  }
}

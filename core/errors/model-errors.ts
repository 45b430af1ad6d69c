import { PlatformError } from './platform-error.ts';

/** The model server answered with an HTTP error after all retries. */
export class ModelApiError extends PlatformError {
  readonly status: number | undefined;

  constructor({ message, status, cause }: { message: string; status?: number; cause?: unknown }) {
    super('MODEL_API_ERROR', {
      message,
      cause,
      isRetryable: status === undefined || status === 408 || status === 429 || status >= 500,
    });
    this.status = status;
  }
}

/** The model server did not answer within the request timeout. */
export class ModelTimeoutError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('MODEL_TIMEOUT', { message, cause, isRetryable: true });
  }
}

/** The model server could not be reached. */
export class ModelConnectionError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('MODEL_CONNECTION_FAILED', { message, cause, isRetryable: true });
  }
}

import { PlatformError } from './platform-error.ts';

// What a client of the HTTP service is told that no other backend says: its key was refused,
// its tenant is over a quota, or the service answered in a way no other error covers.

/** The service refused the API key (missing or not valid). */
export class AuthenticationError extends PlatformError {
  constructor({ message }: { message: string }) {
    super('UNAUTHORIZED', { message });
  }
}

/** A quota of the caller's tenant is used up: try again after `retryAfterMs`. */
export class RateLimitedError extends PlatformError {
  readonly retryAfterMs: number | undefined;

  constructor({ message, retryAfterMs }: { message: string; retryAfterMs?: number | undefined }) {
    super('RATE_LIMITED', { message, isRetryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Any other error answer of the service: its HTTP status and its own code are kept. */
export class ServiceError extends PlatformError {
  readonly status: number;
  readonly serviceCode: string;

  constructor({
    status,
    serviceCode,
    message,
    isRetryable,
  }: {
    status: number;
    serviceCode: string;
    message: string;
    isRetryable: boolean;
  }) {
    super('SERVICE_ERROR', { message, isRetryable });
    this.status = status;
    this.serviceCode = serviceCode;
  }
}

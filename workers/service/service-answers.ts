import type { PlatformError } from '../../core/index.ts';
import {
  AuthenticationError,
  InvalidArgumentError,
  JobNotFoundError,
  NoWorkerError,
  QueueFullError,
  QueueUnavailableError,
  RateLimitedError,
  ServiceError,
  ValidationError,
} from '../../core/index.ts';
import { ApiErrorSchema } from './api-error.ts';

// The HTTP client's side of the service's error answers: each becomes the typed error the
// other backends throw for the same cause, so callers catch one hierarchy whatever the backend.

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** The typed error for an error answer of the service. */
export function errorFromAnswer({
  status,
  headers,
  body,
  jobId,
}: {
  status: number;
  headers: Headers;
  body: unknown;
  jobId?: string | undefined;
}): PlatformError {
  const parsed = ApiErrorSchema.safeParse(body);
  if (!parsed.success) {
    return new ServiceError({
      status,
      serviceCode: 'UNKNOWN',
      message: `The service answered ${status} without an error body`,
      isRetryable: status >= 500,
    });
  }
  const { code, message, issues = [], isRetryable } = parsed.data.error;
  switch (code) {
    case 'JOB_NOT_FOUND':
      return jobId === undefined
        ? new ServiceError({ status, serviceCode: code, message, isRetryable })
        : new JobNotFoundError({ jobId });
    case 'VALIDATION_FAILED':
      return new ValidationError({
        subject: 'request',
        issues: issues.length ? issues : [message],
      });
    case 'INVALID_ARGUMENT':
      return new InvalidArgumentError({ message });
    case 'UNAUTHORIZED':
      return new AuthenticationError({ message });
    case 'RATE_LIMITED':
      return new RateLimitedError({ message, retryAfterMs: retryAfterMs(headers) });
    case 'QUEUE_FULL': {
      const error = new QueueFullError({ queue: 'service', pending: 0, limit: 0 });
      return Object.assign(error, { message });
    }
    case 'NO_WORKER':
      return Object.assign(new NoWorkerError({ queue: 'service' }), { message });
    case 'QUEUE_UNAVAILABLE':
      return new QueueUnavailableError({ message, reason: 'unreachable' });
    default:
      return new ServiceError({ status, serviceCode: code, message, isRetryable });
  }
}

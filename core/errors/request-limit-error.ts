import { PlatformError } from './platform-error.ts';

/** The bound of a request that was crossed; each is an option with a documented default. */
export type RequestLimitName =
  | 'maxCodeBytes'
  | 'maxArgumentBytes'
  | 'maxArgumentDepth'
  | 'maxExecutionTimeoutMs'
  | 'maxEnvCount'
  | 'maxEnvBytes';

/**
 * A request is larger (or asks for longer) than the platform accepts. Nothing was written
 * or run; the same request will be refused again, so it is not retryable.
 */
export class RequestLimitError extends PlatformError {
  readonly limit: RequestLimitName;
  readonly max: number;

  constructor({ limit, max, message }: { limit: RequestLimitName; max: number; message: string }) {
    super('REQUEST_LIMIT_EXCEEDED', { message });
    this.limit = limit;
    this.max = max;
  }
}

/**
 * Every error the platform throws has a string `code` from this list. User-code failures
 * are never thrown: they come back as data (an ActionReturn errmsg, or `Execution.error`).
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'VALIDATION_FAILED'
  | 'AGENT_NOT_CONFIGURED'
  | 'STATE_DICT_MISMATCH'
  | 'SESSION_NOT_FOUND'
  | 'OUTPUT_PARSE_FAILED'
  | 'MODEL_API_ERROR'
  | 'MODEL_TIMEOUT'
  | 'MODEL_CONNECTION_FAILED'
  | 'ABORTED'
  | 'TOOL_DEFINITION_INVALID'
  | 'SANDBOX_UNAVAILABLE'
  | 'SANDBOX_TIMEOUT'
  | 'SANDBOX_CRASHED'
  | 'SANDBOX_LIMIT_REACHED'
  | 'SANDBOX_CLOSED'
  | 'SESSION_LOST'
  | 'QUEUE_FULL'
  | 'QUEUE_UNAVAILABLE'
  | 'NO_WORKER'
  | 'JOB_NOT_FOUND'
  | 'DEADLINE_EXCEEDED'
  | 'JOB_FAILED'
  | 'UNAUTHORIZED'
  | 'RATE_LIMITED'
  | 'SERVICE_ERROR';

const brand = Symbol.for('lagent-ts.error');

export interface PlatformErrorOptions {
  message: string;
  cause?: unknown;
  /** Whether retrying the same operation may succeed. */
  isRetryable?: boolean;
}

/** Root of the platform's error hierarchy. */
export class PlatformError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode;
  readonly isRetryable: boolean;

  constructor(code: ErrorCode, { message, cause, isRetryable = false }: PlatformErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.isRetryable = isRetryable;
  }

  /**
   * Works across duplicated copies of this package (a worker thread, a second install),
   * where `instanceof` would fail.
   */
  static isInstance(error: unknown): error is PlatformError {
    return typeof error === 'object' && error !== null && brand in error;
  }

  /** Plain JSON form, for crossing a thread, process or queue boundary. */
  toJSON(): { name: string; code: ErrorCode; message: string; isRetryable: boolean } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      isRetryable: this.isRetryable,
    };
  }
}

import type { ActionStatusCode } from '../../core/index.ts';
import { ActionStatusCode as StatusCode } from '../../core/index.ts';

/** Why a web tool call failed. */
export type WebToolErrorCode =
  | 'MISSING_API_KEY'
  | 'INVALID_URL'
  | 'ADDRESS_REFUSED'
  | 'HTTP_STATUS'
  | 'NETWORK_FAILED'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS'
  | 'UNSUPPORTED_CONTENT'
  | 'BAD_RESPONSE'
  | 'NO_SEARCH_RESULTS'
  | 'UNKNOWN_RESULT_ID';

const statusByCode: Record<WebToolErrorCode, ActionStatusCode> = {
  MISSING_API_KEY: StatusCode.API_ERROR,
  INVALID_URL: StatusCode.ARGS_ERROR,
  ADDRESS_REFUSED: StatusCode.ARGS_ERROR,
  HTTP_STATUS: StatusCode.HTTP_ERROR,
  NETWORK_FAILED: StatusCode.HTTP_ERROR,
  TIMEOUT: StatusCode.HTTP_ERROR,
  TOO_LARGE: StatusCode.HTTP_ERROR,
  TOO_MANY_REDIRECTS: StatusCode.HTTP_ERROR,
  UNSUPPORTED_CONTENT: StatusCode.API_ERROR,
  BAD_RESPONSE: StatusCode.API_ERROR,
  NO_SEARCH_RESULTS: StatusCode.API_ERROR,
  UNKNOWN_RESULT_ID: StatusCode.ARGS_ERROR,
};

const brand = Symbol.for('lagent-ts.web-tool-error');

/**
 * A web tool's call failed (no key, an HTTP error, a refused address...). This is the
 * tool's answer to the model, not a platform failure, so it is deliberately not a
 * `PlatformError`: the web tools turn it into an ActionReturn with `status` and the message
 * as `errmsg`.
 */
export class WebToolError extends Error {
  readonly [brand] = true;
  readonly code: WebToolErrorCode;
  /** Whether the same request may succeed when retried (5xx, 429, timeouts, resets). */
  readonly isRetryable: boolean;
  /** The HTTP status, for `HTTP_STATUS`. */
  readonly httpStatus: number | undefined;

  constructor({
    code,
    message,
    cause,
    isRetryable = false,
    httpStatus,
  }: {
    code: WebToolErrorCode;
    message: string;
    cause?: unknown;
    isRetryable?: boolean;
    httpStatus?: number;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WebToolError';
    this.code = code;
    this.isRetryable = isRetryable;
    this.httpStatus = httpStatus;
  }

  /** The ActionReturn state this failure is reported with. */
  get status(): ActionStatusCode {
    return statusByCode[this.code];
  }

  /** Works across duplicated copies of this package, where `instanceof` would fail. */
  static isInstance(error: unknown): error is WebToolError {
    return typeof error === 'object' && error !== null && brand in error;
  }
}

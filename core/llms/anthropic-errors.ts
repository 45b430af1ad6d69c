import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { toModelError } from './sdk-errors.ts';

const classes = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError };

// An `error` event in a stream comes without an HTTP status; the status Anthropic documents
// for its type keeps `isRetryable` right (an overloaded server mid-stream may answer later).
const statusOfType: Readonly<Record<string, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
});

/** Turns what the Anthropic SDK throws into the platform's typed errors. */
export function toAnthropicPlatformError(error: unknown, signal?: AbortSignal): unknown {
  return toModelError({
    error,
    signal,
    classes,
    statusOf: (apiError) => {
      const { status, type } = apiError as APIError;
      return status ?? (type === null ? undefined : statusOfType[type]);
    },
  });
}

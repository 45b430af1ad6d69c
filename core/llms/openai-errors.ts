import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { toModelError } from './sdk-errors.ts';

const classes = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError };

/** Turns what the openai client throws into the platform's typed errors. */
export function toPlatformError(error: unknown, signal?: AbortSignal): unknown {
  return toModelError({ error, signal, classes });
}

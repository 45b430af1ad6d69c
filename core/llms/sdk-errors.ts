import { AbortedError } from '../errors/aborted-error.ts';
import { ModelApiError, ModelConnectionError, ModelTimeoutError } from '../errors/model-errors.ts';
import { PlatformError } from '../errors/platform-error.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The error classes of a Stainless-generated SDK (`openai`, `@anthropic-ai/sdk`): both
 * throw the same four kinds, each its own classes.
 */
export interface SdkErrorClasses {
  APIUserAbortError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIError: ErrorClass;
}

/**
 * Turns what a model SDK throws into the platform's typed errors. `statusOf` reads the
 * HTTP status of an API error (a status-less one is an error event in a stream).
 */
export function toModelError(options: {
  error: unknown;
  signal: AbortSignal | undefined;
  classes: SdkErrorClasses;
  statusOf?: (error: Error) => number | undefined;
}): unknown {
  const { error, signal, classes } = options;
  if (PlatformError.isInstance(error)) return error;
  if (error instanceof classes.APIUserAbortError || signal?.aborted) {
    return new AbortedError({ message: 'The model request was aborted', cause: error });
  }
  if (error instanceof classes.APIConnectionTimeoutError) {
    return new ModelTimeoutError({
      message: 'The model server did not answer in time',
      cause: error,
    });
  }
  if (error instanceof classes.APIConnectionError) {
    return new ModelConnectionError({
      message: `Cannot reach the model server: ${error.message}`,
      cause: error,
    });
  }
  if (error instanceof classes.APIError) {
    const status = options.statusOf?.(error) ?? (error as { status?: number }).status;
    return new ModelApiError({
      message: `The model server answered ${status ?? 'with an error'}: ${error.message}`,
      ...(status === undefined ? {} : { status }),
      cause: error,
    });
  }
  return error;
}

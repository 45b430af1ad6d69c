import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AbortedError } from '../errors/aborted-error.ts';
import { ModelApiError, ModelConnectionError, ModelTimeoutError } from '../errors/model-errors.ts';
import { PlatformError } from '../errors/platform-error.ts';

/** Turns what the openai client throws into the platform's typed errors. */
export function toPlatformError(error: unknown, signal?: AbortSignal): unknown {
  if (PlatformError.isInstance(error)) return error;
  if (error instanceof APIUserAbortError || signal?.aborted) {
    return new AbortedError({ message: 'The model request was aborted', cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelTimeoutError({
      message: 'The model server did not answer in time',
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ModelConnectionError({
      message: `Cannot reach the model server: ${error.message}`,
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const status = error.status as number | undefined;
    return new ModelApiError({
      message: `The model server answered ${status ?? 'with an error'}: ${error.message}`,
      ...(status === undefined ? {} : { status }),
      cause: error,
    });
  }
  return error;
}
